"""Vendor feeds served natively: an Azure Service Tags file and a Microsoft
365 endpoints file named in the config, answers over DNS with the codes of
their service and region, a new download (rename + SIGHUP) changing the
answers, and broken downloads refused while the old data keeps serving."""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import time

import dns.rcode
import pytest

from conftest import BUILD

FIX = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
ZONE = "wl.example.org"

CONF = """\
codes:
  services:
    - { id: 1, name: d365-marketing, description: "Dynamics 365 Marketing" }
    - { id: 2, name: eop, description: "Exchange Online Protection" }
  regions:
    - { id: 0, name: global, description: "global" }
    - { id: 1, name: NAM, description: "North America" }
    - { id: 9, name: EUR, description: "Europe" }
    - { id: 10, name: FRA, description: "France" }
  txt: "{service} {region} {tag} cn{change} {prefix}"
datasets:
  - name: d365
    type: azure-servicetags
    files: feeds/ServiceTags_Public.json
    service: d365-marketing
  - name: exo
    type: m365-endpoints
    files: feeds/endpoints.json
    service: eop
    ids: [ 2, 10 ]
zones:
  - name: wl.example.org
    datasets: [ d365, exo ]
"""


def rev4(ip):
    return ".".join(reversed(ip.split("."))) + "." + ZONE


def rev6(ip):
    import ipaddress
    nib = ipaddress.IPv6Address(ip).exploded.replace(":", "")
    return ".".join(reversed(nib)) + "." + ZONE


def a_txt(srv, name):
    """("127.0.0.x", "txt") or the rcode text when nothing is listed."""
    r = srv.query(name, "A")
    if r.rcode() != dns.rcode.NOERROR or not r.answer:
        return dns.rcode.to_text(r.rcode())
    a = r.answer[0][0].to_text()
    t = srv.query(name, "TXT")
    return a, b"".join(t.answer[0][0].strings).decode()


def download(tmp_path, fixture, name):
    """What docs/feeds.md asks of a fetcher: write a temp file, rename."""
    tmp = tmp_path / "feeds" / (name + ".tmp")
    shutil.copyfile(FIX / fixture, tmp)
    os.rename(tmp, tmp_path / "feeds" / name)


def log_has(tmp_path, text, count):
    log = (tmp_path / "server.log").read_text()
    return log.count(text) >= count


def wait_for(cond, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def feeds(tmp_path, dnsxld_server):
    (tmp_path / "feeds").mkdir()
    download(tmp_path, "servicetags_cn101.json", "ServiceTags_Public.json")
    download(tmp_path, "m365_worldwide.json", "endpoints.json")
    (tmp_path / "dnsxld.conf").write_text(CONF)
    # -c 0: only SIGHUP reloads, so each step below is deterministic
    return dnsxld_server([], extra=["-c", "0"], probe=ZONE,
                         config=tmp_path / "dnsxld.conf")


def test_codes_over_dns(feeds):
    srv = feeds
    assert a_txt(srv, rev4("40.78.242.5")) == (
        "127.0.0.17",
        "d365-marketing NAM Dynamics365ForMarketingEmail.WestUS2 cn101 40.78.242.0/25")
    assert a_txt(srv, rev4("40.79.138.200")) == (
        "127.0.0.26",
        "d365-marketing FRA Dynamics365ForMarketingEmail.FranceCentral cn101 40.79.138.192/26")
    assert a_txt(srv, rev4("13.69.226.130")) == (
        "127.0.0.25",
        "d365-marketing EUR Dynamics365ForMarketingEmail.NorthEurope cn101 13.69.226.128/25")
    # only in the aggregate tag: region 0
    assert a_txt(srv, rev4("198.51.100.7")) == (
        "127.0.0.16",
        "d365-marketing global Dynamics365ForMarketingEmail cn101 198.51.100.0/24")
    assert a_txt(srv, rev6("2603:1030:c06:1::25")) == (
        "127.0.0.17",
        "d365-marketing NAM Dynamics365ForMarketingEmail.WestUS2 cn101 2603:1030:c06:1::/64")
    # Microsoft 365: sets 2 and 10 of Exchange; no region, no change number
    assert a_txt(srv, rev4("40.92.1.1")) == ("127.0.0.32", "eop  Exchange:10 cn 40.92.0.0/15")
    assert a_txt(srv, rev6("2a01:111:f400::5")) == (
        "127.0.0.32", "eop  Exchange:10 cn 2a01:111:f400::/48")
    assert a_txt(srv, rev4("13.107.136.1")) == "NXDOMAIN"     # SharePoint
    assert a_txt(srv, rev4("20.1.2.3")) == "NXDOMAIN"         # AzureCloud tag
    assert a_txt(srv, rev4("203.0.113.1")) == "NXDOMAIN"      # ...EmailArchive


def test_new_download_then_broken_ones(feeds, tmp_path):
    srv = feeds
    assert a_txt(srv, rev4("20.199.0.9")) == "NXDOMAIN"
    assert a_txt(srv, rev4("104.47.0.1")) == "NXDOMAIN"
    download(tmp_path, "servicetags_cn102.json", "ServiceTags_Public.json")
    download(tmp_path, "m365_worldwide_v2.json", "endpoints.json")
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: a_txt(srv, rev4("20.199.0.9")) != "NXDOMAIN")
    assert a_txt(srv, rev4("20.199.0.9")) == (
        "127.0.0.26",
        "d365-marketing FRA Dynamics365ForMarketingEmail.FranceCentral cn102 20.199.0.0/24")
    assert a_txt(srv, rev4("13.66.138.130")) == "NXDOMAIN"    # dropped in cn102
    assert a_txt(srv, rev4("104.47.0.1")) == ("127.0.0.32", "eop  Exchange:10 cn 104.47.0.0/17")
    assert a_txt(srv, rev4("52.100.0.1")) == "NXDOMAIN"

    # a truncated download is refused; cn102 keeps answering
    download(tmp_path, "servicetags_truncated.json", "ServiceTags_Public.json")
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: log_has(tmp_path, "keeping the loaded data", 1))
    log = (tmp_path / "server.log").read_text()
    assert "feeds/ServiceTags_Public.json:" in log and "JSON: " in log
    assert a_txt(srv, rev4("20.199.0.9"))[0] == "127.0.0.26"
    assert a_txt(srv, rev4("40.78.242.5"))[1].endswith("cn102 40.78.242.0/25")

    # so is a file of the wrong shape (the M365 list where tags belong)
    download(tmp_path, "m365_worldwide.json", "ServiceTags_Public.json")
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: log_has(tmp_path, "keeping the loaded data", 2))
    assert "top level: expected an object" in (tmp_path / "server.log").read_text()
    assert a_txt(srv, rev4("20.199.0.9"))[0] == "127.0.0.26"


def test_shrunk_download_refused(feeds, tmp_path):
    srv = feeds
    download(tmp_path, "servicetags_shrunk.json", "ServiceTags_Public.json")
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: log_has(tmp_path, "keeping the loaded data", 1)
                    or a_txt(srv, rev4("40.78.242.5")) == "NXDOMAIN")
    assert "would remove 88% (max-shrink 50%)" in (tmp_path / "server.log").read_text()
    assert a_txt(srv, rev4("40.78.242.5"))[0] == "127.0.0.17"


def test_dnsxl_check_and_lookup_show_provenance(tmp_path):
    (tmp_path / "feeds").mkdir()
    download(tmp_path, "servicetags_cn101.json", "ServiceTags_Public.json")
    download(tmp_path, "m365_worldwide.json", "endpoints.json")
    past = time.time() - 2 * 3600 - 5 * 60 - 30
    os.utime(tmp_path / "feeds" / "ServiceTags_Public.json", (past, past))
    (tmp_path / "dnsxld.conf").write_text(CONF)
    out = subprocess.run([str(BUILD / "dnsxl"), "check", "--config", str(tmp_path / "dnsxld.conf")],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1] == "  dataset d365 (azure-servicetags): 9 entries, version 101, age 2h5m"
    assert re.fullmatch(r"  dataset exo \(m365-endpoints\): 5 entries, version -, age \d+m\d+s",
                        lines[2])
    # the one Azure region without a row is named, as a warning
    assert "warning: " in out.stderr and '"southafricanorth" has no row' in out.stderr

    out = subprocess.run([str(BUILD / "dnsxl"), "lookup", "--config", str(tmp_path / "dnsxld.conf"),
                          "40.79.138.200"], capture_output=True, text=True, timeout=20)
    assert out.stdout.splitlines()[1] == (
        "  wl.example.org: d365 service=d365-marketing region=- pool=- prefix=40.79.138.192/26"
        " A=127.0.0.26 TXT=\"d365-marketing FRA Dynamics365ForMarketingEmail.FranceCentral cn101"
        " 40.79.138.192/26\" (version 101, age 2h5m)")

    # a truncated file: the check fails, naming the file and line
    download(tmp_path, "servicetags_truncated.json", "ServiceTags_Public.json")
    out = subprocess.run([str(BUILD / "dnsxl"), "check", "--config", str(tmp_path / "dnsxld.conf")],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 1
    assert re.search(r"feeds/ServiceTags_Public.json:\d+: JSON: .*: file refused", out.stderr)
