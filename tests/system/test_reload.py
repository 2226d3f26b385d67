"""Reload without losing a query: SIGHUP, inotify (rename and in-place
rewrite, no signal), debouncing a file written in two steps, a broken file
keeping the old data (logged as file:line, counted in /metrics), and
$TIMESTAMP expiry (NXDOMAIN + EDE 0 "data expired")."""
import os
import re
import signal
import time
import urllib.request

import dns.edns
import dns.rcode
import dns.rdatatype
import pytest

from conftest import free_port

ZONE = "bl.example.org"


def a_of(srv, ip, **kw):
    """The A records for ip in ZONE, or the rcode name when none."""
    name = ".".join(reversed(ip.split("."))) + "." + ZONE
    r = srv.query(name, "A", **kw)
    if r.rcode() != dns.rcode.NOERROR or not r.answer:
        return dns.rcode.to_text(r.rcode())
    return sorted(rd.address for rr in r.answer for rd in rr)


def wait_for(fn, want, timeout=5.0):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        got = fn()
        if got == want:
            return got
        time.sleep(0.05)
    return got


def metric(port, name):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3).read().decode()
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            k, v = line.rsplit(" ", 1)
            if k == name:
                return float(v)
    raise KeyError(name)


@pytest.fixture
def started(tmp_path, dnsxld_server):
    """dnsxld with polling off (-c 0): only SIGHUP and inotify reload."""
    (tmp_path / "bl.ip4").write_text("10.0.0.1\n")
    mport = free_port()
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"],
                        extra=["-c", "0", "--metrics-listen", f"127.0.0.1@{mport}"])
    srv.mport = mport
    assert a_of(srv, "10.0.0.1") == ["127.0.0.2"]
    assert a_of(srv, "10.0.0.2") == "NXDOMAIN"
    return srv


def test_sighup_reloads(started, tmp_path):
    srv = started
    p = tmp_path / "bl.ip4"
    p.write_text("10.0.0.2\n")
    # The watcher would see this too; SIGHUP must not wait for it.
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: a_of(srv, "10.0.0.2"), ["127.0.0.2"], 2.0) == ["127.0.0.2"]
    assert a_of(srv, "10.0.0.1") == "NXDOMAIN"
    assert metric(srv.mport, "dnsxld_reload_last_success") == 1


def test_rename_seen_without_signal(started, tmp_path):
    srv = started
    tmp = tmp_path / "bl.ip4.tmp"
    tmp.write_text("10.0.0.3\n")
    os.rename(tmp, tmp_path / "bl.ip4")
    assert wait_for(lambda: a_of(srv, "10.0.0.3"), ["127.0.0.2"]) == ["127.0.0.2"]
    assert a_of(srv, "10.0.0.1") == "NXDOMAIN"
    assert metric(srv.mport, 'dnsxld_reloads_total{result="success"}') == 1


def test_in_place_rewrite_seen_without_signal(started, tmp_path):
    srv = started
    with open(tmp_path / "bl.ip4", "r+") as f:     # same inode, truncated
        f.truncate(0)
        f.write("10.0.0.4\n")
    assert wait_for(lambda: a_of(srv, "10.0.0.4"), ["127.0.0.2"]) == ["127.0.0.2"]
    assert a_of(srv, "10.0.0.1") == "NXDOMAIN"


def test_half_written_file_is_not_served(started, tmp_path):
    """Written in two steps 200 ms apart (less than the 500 ms settle
    time): one reload, of the whole file, never of the first half."""
    srv = started
    with open(tmp_path / "bl.ip4", "w") as f:
        f.write("10.0.0.5\n10.0.")
        f.flush()
        time.sleep(0.2)
        assert a_of(srv, "10.0.0.1") == ["127.0.0.2"]   # old data still
        f.write("0.6\n")
    assert wait_for(lambda: a_of(srv, "10.0.0.6"), ["127.0.0.2"]) == ["127.0.0.2"]
    assert a_of(srv, "10.0.0.5") == ["127.0.0.2"]
    time.sleep(0.7)
    assert metric(srv.mport, 'dnsxld_reloads_total{result="success"}') == 1
    assert metric(srv.mport, 'dnsxld_reloads_total{result="failure"}') == 0


def test_broken_file_keeps_old_data(started, tmp_path):
    srv = started
    # A data timestamp in the future aborts the load (rbldnsd does too).
    (tmp_path / "bl.ip4").write_text("10.0.0.7\n$TIMESTAMP 2037:01:01\n")
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: metric(srv.mport, "dnsxld_reload_last_success"), 0) == 0
    assert a_of(srv, "10.0.0.1") == ["127.0.0.2"]     # old data serving
    assert a_of(srv, "10.0.0.7") == "NXDOMAIN"
    assert metric(srv.mport, 'dnsxld_reloads_total{result="failure"}') == 1
    assert metric(srv.mport, "dnsxld_reload_last_errors") == 1
    log = (tmp_path / "server.log").read_text()
    assert re.search(r"bl\.ip4:2: data timestamp is \d+ sec in the future", log), log
    assert "keeping the loaded data" in log
    # Fixed: the next change loads again.
    (tmp_path / "bl.ip4").write_text("10.0.0.8\n")
    assert wait_for(lambda: a_of(srv, "10.0.0.8"), ["127.0.0.2"]) == ["127.0.0.2"]
    assert metric(srv.mport, "dnsxld_reload_last_success") == 1


def test_missing_file_keeps_old_data(started, tmp_path):
    srv = started
    os.unlink(tmp_path / "bl.ip4")
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: metric(srv.mport, 'dnsxld_reloads_total{result="failure"}'),
                    1) == 1
    assert a_of(srv, "10.0.0.1") == ["127.0.0.2"]
    assert "bl.ip4: unable to open file" in (tmp_path / "server.log").read_text()


def test_expired_data_not_served(tmp_path, dnsxld_server):
    (tmp_path / "old.ip4").write_text("$TIMESTAMP 2020:01:01 +1d\n10.0.0.1\n10.0.0.2\n")
    (tmp_path / "new.ip4").write_text("10.0.0.2 :127.0.0.4:\n")
    srv = dnsxld_server([f"{ZONE}:ip4set:old.ip4", f"{ZONE}:ip4set:new.ip4"])
    name = "1.0.0.10." + ZONE
    r = srv.query(name, "A", use_edns=0)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.authority and r.authority[0].rdtype == dns.rdatatype.SOA
    ede = [o for o in r.options if o.otype == dns.edns.EDE]
    assert len(ede) == 1 and ede[0].code == 0 and ede[0].text == "data expired"
    # Without EDNS: the same NXDOMAIN, no OPT.
    r = srv.query(name, "A")
    assert r.rcode() == dns.rcode.NXDOMAIN and r.edns < 0
    # The unexpired dataset still answers; the expired one is left out.
    assert a_of(srv, "10.0.0.2") == ["127.0.0.4"]


def test_polling_fallback_without_inotify(tmp_path, dnsxld_server):
    """--no-watch: only the -c check sees a change (here every second)."""
    (tmp_path / "bl.ip4").write_text("10.0.0.1\n")
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], extra=["-c", "1", "--no-watch"])
    (tmp_path / "bl.ip4").write_text("10.0.0.9\n")
    assert wait_for(lambda: a_of(srv, "10.0.0.9"), ["127.0.0.2"], 4.0) == ["127.0.0.2"]


def test_no_watch_no_poll_means_no_reload(tmp_path, dnsxld_server):
    """The control for the inotify tests: without the watcher and without
    -c, a changed file is not picked up until SIGHUP."""
    (tmp_path / "bl.ip4").write_text("10.0.0.1\n")
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], extra=["-c", "0", "--no-watch"])
    (tmp_path / "bl.ip4").write_text("10.0.0.9\n")
    time.sleep(1.5)
    assert a_of(srv, "10.0.0.9") == "NXDOMAIN"
    srv.proc.send_signal(signal.SIGHUP)
    assert wait_for(lambda: a_of(srv, "10.0.0.9"), ["127.0.0.2"], 3.0) == ["127.0.0.2"]
