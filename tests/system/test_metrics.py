"""Statistics: the Prometheus endpoint (exact counters after a known set of
queries, dataset hits with service/region labels), rbldnsd's -s stats file
(absolute and incremental) and the -l query log (format, SIGHUP reopen)."""
import re
import signal
import socket
import struct
import time
import urllib.error
import urllib.request

import dns.message
import pytest

from conftest import free_port

ZONE = "wl.example.org"

CONF = """
server:
  check-interval: 0
  soa: {{ mname: ns.example.org, rname: hostmaster.example.org }}
  metrics-listen: "127.0.0.1@{mport}"
codes:
  services:
    - {{ id: 1, name: d365-marketing, description: "Dynamics 365 Marketing" }}
    - {{ id: 2, name: eop, description: "Exchange Online Protection" }}
  regions:
    - {{ id: 0, name: global, description: "all regions" }}
    - {{ id: 1, name: NAM, description: "North America" }}
  txt: "{{service}} {{region}}"
datasets:
  - {{ name: mkt-nam, type: ip4trie, files: [ nam.ip4 ], service: d365-marketing,
      region: NAM, pool: shared }}
  - {{ name: eop-global, type: ip4trie, files: [ eop.ip4 ], service: eop, region: global }}
zones:
  - name: {zone}
    datasets: [ mkt-nam, eop-global ]
"""


def scrape(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3).read().decode()
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r'([a-z_]+)(\{(.*)\})? (\S+)', line)
        assert m, f"bad exposition line: {line!r}"
        labels = tuple(sorted(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(3) or "")))
        out[(m.group(1), labels)] = float(m.group(4))
    return out, text


def key(name, **labels):
    return (name, tuple(sorted(labels.items())))


def raw_udp(port, name, rdtype="A"):
    """Send one query, return (request bytes, reply bytes)."""
    q = dns.message.make_query(name, rdtype).to_wire()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(q, ("127.0.0.1", port))
    r = s.recv(4096)
    s.close()
    return q, r


def raw_tcp(port, name, rdtype="A"):
    q = dns.message.make_query(name, rdtype).to_wire()
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    s.sendall(struct.pack("!H", len(q)) + q)
    n = struct.unpack("!H", s.recv(2))[0]
    r = b""
    while len(r) < n:
        r += s.recv(n - len(r))
    s.close()
    return q, r


@pytest.fixture
def labelled(tmp_path, dnsxld_server):
    (tmp_path / "nam.ip4").write_text("40.78.242.0/24\n")
    (tmp_path / "eop.ip4").write_text("40.92.0.0/15\n40.78.242.5\n")
    mport = free_port()
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(CONF.format(mport=mport, zone=ZONE))
    srv = dnsxld_server([], config=conf, probe=ZONE,
                        extra=["-s", "stats.txt", "-l", "queries.log"])
    srv.mport = mport
    return srv


def test_metrics_exact_counts(labelled):
    srv = labelled
    port = srv.port
    base, _ = scrape(srv.mport)
    # The readiness probe was one SOA query at the apex.
    assert base[key("dnsxld_queries_total", zone=ZONE, qtype="SOA", transport="udp",
                    rcode="NOERROR")] == 1
    for _ in range(3):                                  # both datasets hit
        raw_udp(port, "5.242.78.40." + ZONE)
    raw_udp(port, "9.242.78.40." + ZONE)                # mkt-nam only
    raw_udp(port, "1.1.92.40." + ZONE, "TXT")           # eop only
    for _ in range(2):
        raw_udp(port, "1.1.1.1." + ZONE)                # NXDOMAIN
    raw_tcp(port, "5.242.78.40." + ZONE, "TXT")         # both, TCP
    raw_udp(port, "1.1.1.1.other.example")              # REFUSED, no zone
    m, text = scrape(srv.mport)

    def q(zone, qtype, tr, rc):
        return m.get(key("dnsxld_queries_total", zone=zone, qtype=qtype, transport=tr,
                         rcode=rc), 0)
    assert q(ZONE, "A", "udp", "NOERROR") == 4
    assert q(ZONE, "A", "udp", "NXDOMAIN") == 2
    assert q(ZONE, "TXT", "udp", "NOERROR") == 1
    assert q(ZONE, "TXT", "tcp", "NOERROR") == 1
    assert q(ZONE, "SOA", "udp", "NOERROR") == 1
    assert q("-", "A", "udp", "REFUSED") == 1
    assert sum(v for (n, _), v in m.items() if n == "dnsxld_queries_total") == 10
    hits = {dict(l)["dataset"]: (dict(l), v) for (n, l), v in m.items()
            if n == "dnsxld_dataset_hits_total"}
    assert hits["mkt-nam"] == ({"dataset": "mkt-nam", "service": "d365-marketing",
                                "region": "NAM", "pool": "shared"}, 5.0)
    assert hits["eop-global"] == ({"dataset": "eop-global", "service": "eop",
                                   "region": "global", "pool": ""}, 5.0)
    assert m[key("dnsxld_reload_last_success")] == 1
    assert m[key("dnsxld_reloads_total", result="success")] == 0
    assert m[key("dnsxld_reloads_total", result="failure")] == 0
    assert m[key("dnsxld_zones")] == 1
    assert m[key("dnsxld_snapshot_entries")] == 3
    assert m[key("dnsxld_snapshot_memory_bytes")] > 0
    assert 0 <= m[key("dnsxld_data_age_seconds")] < 60
    assert key("dnsxld_zone_serial", zone=ZONE) in m
    assert "# TYPE dnsxld_queries_total counter" in text
    # After a SIGHUP reload the counters go on (slots are by zone name).
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while scrape(srv.mport)[0][key("dnsxld_reloads_total", result="success")] < 1:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    raw_udp(port, "5.242.78.40." + ZONE)
    m, _ = scrape(srv.mport)
    assert q(ZONE, "A", "udp", "NOERROR") == 5
    assert m[key("dnsxld_dataset_hits_total", dataset="mkt-nam", service="d365-marketing",
                 region="NAM", pool="shared")] == 6


def test_metrics_not_found_elsewhere(labelled):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(f"http://127.0.0.1:{labelled.mport}/other", timeout=3)
    assert e.value.code == 404


def test_metrics_off_by_default(tmp_path, dnsxld_server):
    """Without metrics-listen, the only TCP listeners are the DNS ones."""
    import subprocess
    (tmp_path / "bl.ip4").write_text("10.0.0.1\n")
    srv = dnsxld_server(["bl.example:ip4set:bl.ip4"])
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True).stdout
    mine = [l.split()[3] for l in out.splitlines() if f"pid={srv.proc.pid}," in l]
    assert mine and all(a.endswith(f":{srv.port}") for a in mine), mine


def stats_lines(path):
    return path.read_text().splitlines() if path.exists() else []


def test_stats_file_and_query_log(labelled, tmp_path):
    srv = labelled
    sent = []
    for name, t in (("5.242.78.40." + ZONE, "A"), ("1.1.1.1." + ZONE, "A"),
                    ("1.1.92.40." + ZONE, "TXT")):
        sent.append((name, t) + raw_udp(srv.port, name, t))
    srv.stop()
    lines = stats_lines(tmp_path / "stats.txt")
    # start: bare timestamp; stop: totals, then a bare timestamp.
    assert len(lines) == 3, lines
    assert re.fullmatch(r"\d+", lines[0]) and re.fullmatch(r"\d+", lines[2])
    probe_in = len(dns.message.make_query(ZONE, "SOA").to_wire())
    bin_ = probe_in + sum(len(q) for _, _, q, _ in sent)
    m = re.fullmatch(r"(\d+) wl\.example\.org:(\d+):(\d+):(\d+):(\d+):(\d+) "
                     r"\*:(\d+):(\d+):(\d+):(\d+):(\d+)", lines[1])
    assert m, lines[1]
    zone = [int(x) for x in m.groups()[1:6]]
    total = [int(x) for x in m.groups()[6:11]]
    assert zone[:4] == [4, 3, 1, bin_]
    assert total == zone
    log = (tmp_path / "queries.log").read_text().splitlines()
    assert zone[4] == probe_reply_len(log) + sum(len(r) for _, _, _, r in sent)
    assert len(log) == 4, log                   # the probe + three
    # Workers flush their own buffers: lines are not in global order.
    want = set()
    for name, t, q, r in sent:
        rcode = "NXDOMAIN" if name.startswith("1.1.1.1.") else "NOERROR"
        an = struct.unpack("!H", r[6:8])[0]
        want.add(f"127.0.0.1 {name} {t} IN: {rcode}/{an}/{len(r)}")
    want.add(f"127.0.0.1 {ZONE} SOA IN: NOERROR/1/{probe_reply_len(log)}")
    got = set()
    for line in log:
        m = re.fullmatch(r"(\d+) (.*)", line)
        assert m and abs(int(m.group(1)) - time.time()) < 60, line
        got.add(m.group(2))
    assert got == want


def probe_reply_len(log):
    """The SOA probe's reply length as logged (checked against the stats)."""
    for line in log:
        if " SOA IN: " in line:
            return int(line.rsplit("/", 1)[1])
    return -1


def test_query_log_reopened_on_sighup(tmp_path, dnsxld_server):
    (tmp_path / "bl.ip4").write_text("10.0.0.1\n")
    srv = dnsxld_server(["bl.example:ip4set:bl.ip4"], extra=["-c", "0", "-l", "+q.log"])
    srv.query("1.0.0.10.bl.example", "A")
    deadline = time.monotonic() + 3
    while "1.0.0.10.bl.example A IN: NOERROR/1/" not in (tmp_path / "q.log").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    (tmp_path / "q.log").rename(tmp_path / "q.log.1")
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 3
    while not (tmp_path / "q.log").exists():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    srv.query("2.0.0.10.bl.example", "A")
    deadline = time.monotonic() + 3
    while "2.0.0.10.bl.example A IN: NXDOMAIN/0/" not in (tmp_path / "q.log").read_text():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert "2.0.0.10" not in (tmp_path / "q.log.1").read_text()


def test_incremental_stats_file(tmp_path, dnsxld_server):
    (tmp_path / "bl.ip4").write_text("10.0.0.1\n")
    srv = dnsxld_server(["bl.example:ip4set:bl.ip4"], extra=["-c", "1", "-s", "+st.txt"])
    for i in range(5):
        srv.query(f"{i}.0.0.10.bl.example", "A")
    time.sleep(1.3)
    for i in range(2):
        srv.query(f"{i}.0.0.10.bl.example", "A")
    srv.stop()
    lines = stats_lines(tmp_path / "st.txt")
    rows = [l for l in lines if " " in l]
    assert len(rows) >= 2, lines
    tot = [0, 0, 0]
    for l in rows:
        m = re.fullmatch(r"\d+ bl\.example:(\d+):(\d+):(\d+):\d+:\d+ \*:\d+:\d+:\d+:\d+:\d+", l)
        assert m, l
        for k in range(3):
            tot[k] += int(m.group(k + 1))
    # probe (SOA) + 5 + 2 queries; 10.0.0.1 listed twice; 5 NXDOMAIN.
    assert tot == [8, 3, 5]
    assert re.fullmatch(r"\d+", lines[0]) and re.fullmatch(r"\d+", lines[-1])
