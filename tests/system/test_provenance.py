"""Data provenance (issue 7, item 4): /metrics and `dnsxl status` name each
served dataset's type, entries, source version (Azure changeNumber) and the
age of its source, and follow a new download after a reload."""
import os
import pathlib
import re
import shutil
import signal
import time

import pytest

from conftest import free_port
from ctl_util import cleanup, dnsxl, short_dir
from test_metrics import key, scrape

FIX = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
ZONE = "wl.example.org"
AGE = 2 * 3600 + 5 * 60           # the feed file's age when the test starts

CONF = """\
server:
  workers: 1
  check-interval: 0
  metrics-listen: "127.0.0.1@{mport}"
codes:
  services:
    - {{ id: 1, name: d365-marketing, description: "Dynamics 365 Marketing" }}
  regions:
    - {{ id: 0, name: global, description: "global" }}
    - {{ id: 1, name: NAM, description: "North America" }}
    - {{ id: 9, name: EUR, description: "Europe" }}
    - {{ id: 10, name: FRA, description: "France" }}
datasets:
  - name: d365
    type: azure-servicetags
    files: feeds/ServiceTags_Public.json
    service: d365-marketing
  - name: local
    type: ip4set
    files: [ local.ip4 ]
zones:
  - name: {zone}
    datasets: [ d365, local ]
control:
  socket: {sock}
"""


def download(tmp_path, fixture, mtime):
    """Write a temp file, set its mtime, rename (as docs/feeds.md asks)."""
    tmp = tmp_path / "feeds" / "ServiceTags_Public.json.tmp"
    shutil.copyfile(FIX / fixture, tmp)
    os.utime(tmp, (mtime, mtime))
    os.rename(tmp, tmp_path / "feeds" / "ServiceTags_Public.json")


@pytest.fixture
def prov(tmp_path, dnsxld_server):
    d = short_dir()
    sock = d / "ctl.sock"
    mport = free_port()
    (tmp_path / "feeds").mkdir()
    feed_mtime = int(time.time()) - AGE
    download(tmp_path, "servicetags_cn101.json", feed_mtime)
    local_mtime = 1700000000
    (tmp_path / "local.ip4").write_text("192.0.2.1\n192.0.2.2\n")
    os.utime(tmp_path / "local.ip4", (local_mtime, local_mtime))
    (tmp_path / "dnsxld.conf").write_text(
        CONF.format(mport=mport, zone=ZONE, sock=sock))
    srv = dnsxld_server([], extra=["-c", "0"], probe=ZONE,
                        config=tmp_path / "dnsxld.conf")
    yield srv, sock, mport, feed_mtime, local_mtime
    srv.stop()
    cleanup(d)


def status_datasets(sock):
    p = dnsxl(sock, "status")
    assert p.returncode == 0, p.stderr
    return [l for l in p.stdout.splitlines() if l.startswith("dataset ")]


def dataset_line_age(line):
    m = re.fullmatch(r"(.* age )(\d+)", line)
    assert m, line
    return m.group(1), int(m.group(2))


def test_metrics_provenance(prov):
    srv, _, mport, feed_mtime, local_mtime = prov
    m, text = scrape(mport)
    az = {"dataset": "d365", "type": "azure-servicetags"}
    ip = {"dataset": "local", "type": "ip4set"}
    assert m[key("dnsxld_dataset_version", version="101", **az)] == 1
    assert m[key("dnsxld_dataset_version", version="", **ip)] == 1
    assert m[key("dnsxld_dataset_source_change_number", **az)] == 101
    # a dataset without a numeric version has no change number at all
    assert "dnsxld_dataset_source_change_number{dataset=\"local\"" not in text
    assert m[key("dnsxld_dataset_source_timestamp_seconds", **az)] == feed_mtime
    assert m[key("dnsxld_dataset_source_timestamp_seconds", **ip)] == local_mtime
    age = m[key("dnsxld_dataset_source_age_seconds", **az)]
    assert AGE <= age <= AGE + 10
    assert m[key("dnsxld_dataset_entries", **az)] == 9
    assert m[key("dnsxld_dataset_entries", **ip)] == 2
    assert "# TYPE dnsxld_dataset_version gauge" in text
    assert "# TYPE dnsxld_dataset_source_age_seconds gauge" in text
    # one series per dataset, not one per zone or family pass
    assert text.count('dnsxld_dataset_version{dataset="d365"') == 1


def test_status_provenance(prov):
    _, sock, _, _, local_mtime = prov
    rows = status_datasets(sock)
    assert len(rows) == 2
    head, age = dataset_line_age(rows[0])
    assert head == "dataset d365 type azure-servicetags entries 9 version 101 age "
    assert AGE <= age <= AGE + 10
    head, age = dataset_line_age(rows[1])
    assert head == "dataset local type ip4set entries 2 version - age "
    assert age >= int(time.time()) - local_mtime - 1


def test_provenance_follows_a_reload(prov, tmp_path):
    srv, sock, mport, _, _ = prov
    now = int(time.time()) - 60
    download(tmp_path, "servicetags_cn102.json", now)
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        m, _ = scrape(mport)
        if m.get(key("dnsxld_dataset_source_change_number", dataset="d365",
                     type="azure-servicetags")) == 102:
            break
        time.sleep(0.05)
    az = {"dataset": "d365", "type": "azure-servicetags"}
    assert m[key("dnsxld_dataset_source_change_number", **az)] == 102
    assert m[key("dnsxld_dataset_version", version="102", **az)] == 1
    assert key("dnsxld_dataset_version", version="101", **az) not in m
    assert m[key("dnsxld_dataset_source_timestamp_seconds", **az)] == now
    assert m[key("dnsxld_dataset_entries", **az)] == 9
    assert 60 <= m[key("dnsxld_dataset_source_age_seconds", **az)] <= 70
    head, age = dataset_line_age(status_datasets(sock)[0])
    assert head == "dataset d365 type azure-servicetags entries 9 version 102 age "
    assert 60 <= age <= 70
