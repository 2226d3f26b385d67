"""-q (rbldnsd quick start): serve at once, first load on the reload
thread, load errors logged but not fatal (retried on the next trigger);
SERVFAIL for queries before the first load (rbldnsd's answer for a zone
not loaded). Without -q a failed first load still exits 1."""
import os
import signal
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import pytest

from conftest import BUILD, free_port

ZONE = "bl.example.org"


def start(tmp_path, extra=(), foreground=True):
    port = free_port()
    argv = [str(BUILD / "dnsxld"), *(["-n"] if foreground else []),
            "-b", f"127.0.0.1/{port}", "-c", "0", "--no-watch", *extra,
            f"{ZONE}:ip4set:bl.ip4"]
    log = open(tmp_path / "server.log", "w")
    p = subprocess.Popen(argv, cwd=tmp_path, stdout=log,
                         stderr=subprocess.STDOUT)
    log.close()
    p.port = port
    return p


def ask(port, name, timeout=0.5):
    q = dns.message.make_query(name, "A")
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout)


def wait_rcode(port, name, rcode, timeout=5.0):
    """Query until the answer has rcode; that answer."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = ask(port, name, 0.2)
            if last.rcode() == rcode:
                return last
        except Exception:               # noqa: BLE001 - not up yet
            pass
        time.sleep(0.02)
    raise AssertionError(f"no {dns.rcode.to_text(rcode)} for {name}: {last}")


def addrs(m):
    return sorted(rr.address for rrset in m.answer for rr in rrset)


def stop(p):
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=5) == 0


def test_missing_file_fatal_without_q(tmp_path):
    p = start(tmp_path)
    assert p.wait(timeout=5) == 1
    assert "data not loaded" in (tmp_path / "server.log").read_text()


def test_missing_file_not_fatal_with_q(tmp_path):
    p = start(tmp_path, ["-q"])
    try:
        # serving, nothing loaded: SERVFAIL, as rbldnsd for a zone
        # not loaded
        m = wait_rcode(p.port, f"2.0.0.127.{ZONE}", dns.rcode.SERVFAIL)
        assert m.answer == []
        time.sleep(0.3)
        assert p.poll() is None
        log = (tmp_path / "server.log").read_text()
        assert "load failed (Input/output error, 1 error): no data loaded" in log
        # the next trigger retries: the file is there now
        (tmp_path / "bl.ip4").write_text("10.0.0.1\n")
        p.send_signal(signal.SIGHUP)
        m = wait_rcode(p.port, f"1.0.0.10.{ZONE}", dns.rcode.NOERROR)
        assert addrs(m) == ["127.0.0.2"]
        m = ask(p.port, f"2.0.0.10.{ZONE}")
        assert m.rcode() == dns.rcode.NXDOMAIN
    finally:
        if p.poll() is None:
            stop(p)


def test_quick_start_loads_in_background(tmp_path):
    # big enough that the first queries may come before the load ends
    lines = [f"10.{i >> 8 & 255}.{i & 255}.0/24" for i in range(30000)]
    (tmp_path / "bl.ip4").write_text("\n".join(lines) + "\n")
    p = start(tmp_path, ["-q"])
    try:
        seen = set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                m = ask(p.port, f"1.2.0.10.{ZONE}", 0.2)
            except Exception:           # noqa: BLE001 - not bound yet
                continue
            seen.add(m.rcode())
            if m.rcode() == dns.rcode.NOERROR:
                assert addrs(m) == ["127.0.0.2"]
                break
        assert dns.rcode.NOERROR in seen
        assert seen <= {dns.rcode.SERVFAIL, dns.rcode.NOERROR}
        assert ask(p.port, "1.0.0.11." + ZONE).rcode() == dns.rcode.NXDOMAIN
    finally:
        stop(p)


def test_quick_start_daemon_exits_parent_at_once(tmp_path):
    """Without -n the parent returns 0 even though the load fails."""
    pidfile = tmp_path / "dnsxld.pid"
    p = start(tmp_path, ["-q", "-p", str(pidfile)], foreground=False)
    assert p.wait(timeout=5) == 0
    deadline = time.monotonic() + 5
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = int(pidfile.read_text())
    try:
        m = wait_rcode(p.port, f"2.0.0.127.{ZONE}", dns.rcode.SERVFAIL)
        assert m.answer == []
    finally:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        else:
            pytest.fail("daemon did not stop")
