"""The blocking UDP path (server_udp.c): a worker with one listen address
sits in recvmmsg while it has no TCP connection. TCP, signals and reload
must still reach it; DNSXLD_UDP_LOOP=event keeps the libevent path."""
import os
import platform
import signal
import socket
import subprocess
import threading
import time
import urllib.request

import dns.message
import dns.query
import pytest

from conftest import BUILD, Server, free_port, tcp_ask

ZONE = "bl.example.org"
NAME = "5.242.78.40." + ZONE
RECVMMSG = {"x86_64": 299, "aarch64": 243}.get(platform.machine())


def start(tmp_path, monkeypatch, mode, workers=1, extra=(), two_addrs=False,
          host="127.0.0.1"):
    (tmp_path / "bl.ip4").write_text(":127.0.0.3:Listed $\n40.78.242.5\n")
    monkeypatch.setenv("DNSXLD_UDP_LOOP", mode)
    port = free_port()
    argv = [str(BUILD / "dnsxld"), "-n", "-c", "0", "--workers", str(workers),
            "-b", f"{host}/{port}"]
    if two_addrs:
        argv += ["-b", f"127.0.0.2/{port}"]
    argv += list(extra) + [f"{ZONE}:ip4set:bl.ip4"]
    return Server(argv, port, host=host, cwd=tmp_path, probe=ZONE)


def in_recvmmsg(srv):
    """How many of the server's threads are blocked in recvmmsg now."""
    n = 0
    task = f"/proc/{srv.proc.pid}/task"
    for tid in os.listdir(task):
        try:
            with open(f"{task}/{tid}/syscall") as f:
                first = f.read().split()[0]
        except (OSError, IndexError):
            continue
        if first.isdigit() and int(first) == RECVMMSG:
            n += 1
    return n


def wait_blocked(srv, want, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if in_recvmmsg(srv) == want:
            return True
        time.sleep(0.02)
    return in_recvmmsg(srv) == want


def udp_a(srv):
    r = srv.query(NAME, "A", timeout=2.0)
    return [rr.address for rr in r.answer[0]]


def tcp_query(s, name, rdtype="A", qid=7):
    r = tcp_ask(s, name, rdtype, qid)
    assert r is not None, "connection closed"
    assert r.id == qid
    return r


needs_proc = pytest.mark.skipif(RECVMMSG is None, reason="syscall number unknown here")


@needs_proc
@pytest.mark.parametrize("workers", [1, 2])
def test_idle_workers_block_in_recvmmsg(tmp_path, monkeypatch, workers):
    srv = start(tmp_path, monkeypatch, "", workers=workers)
    try:
        assert udp_a(srv) == ["127.0.0.3"]
        assert wait_blocked(srv, workers)
    finally:
        srv.stop()


@needs_proc
def test_event_mode_and_two_addresses_do_not_block(tmp_path, monkeypatch):
    for mode, two in (("event", False), ("", True)):
        srv = start(tmp_path, monkeypatch, mode, two_addrs=two)
        try:
            assert udp_a(srv) == ["127.0.0.3"]
            time.sleep(0.3)
            assert in_recvmmsg(srv) == 0
        finally:
            srv.stop()


@pytest.mark.parametrize("mode", ["", "event"])
def test_tcp_answered_promptly_then_back_to_blocking(tmp_path, monkeypatch, mode):
    srv = start(tmp_path, monkeypatch, mode)
    try:
        for i in range(5):
            assert udp_a(srv) == ["127.0.0.3"]
            if mode == "" and RECVMMSG:
                assert wait_blocked(srv, 1)     # back in recvmmsg after TCP
            time.sleep(0.15)
            t0 = time.monotonic()
            r = srv.query(NAME, "TXT", tcp=True, timeout=3.0)
            assert time.monotonic() - t0 < 1.0
            assert r.answer[0][0].strings == (b"Listed 40.78.242.5",)
    finally:
        srv.stop()


@pytest.mark.parametrize("mode", ["", "event"])
def test_tcp_under_udp_load(tmp_path, monkeypatch, mode):
    """A signal landing while recvmmsg is busy must not be lost: with UDP
    arriving all the time, the receive timeout never fires."""
    srv = start(tmp_path, monkeypatch, mode)
    stop = threading.Event()
    answered = [0]

    def blast():
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.settimeout(1.0)
        q = dns.message.make_query(NAME, "A").to_wire()
        while not stop.is_set():
            u.sendto(q, ("127.0.0.1", srv.port))
            try:
                u.recv(512)
                answered[0] += 1
            except socket.timeout:
                pass
        u.close()

    t = threading.Thread(target=blast)
    t.start()
    try:
        time.sleep(0.2)
        for i in range(10):
            t0 = time.monotonic()
            r = srv.query(NAME, "A", tcp=True, timeout=3.0)
            assert time.monotonic() - t0 < 1.0
            assert r.answer[0][0].address == "127.0.0.3"
            time.sleep(0.05)
    finally:
        stop.set()
        t.join()
        srv.stop()
    assert answered[0] > 20


@pytest.mark.parametrize("mode", ["", "event"])
def test_udp_and_tcp_interleaved(tmp_path, monkeypatch, mode):
    srv = start(tmp_path, monkeypatch, mode)
    try:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=3.0)
        for i in range(5):
            assert udp_a(srv) == ["127.0.0.3"]
            r = tcp_query(s, NAME, "A", qid=100 + i)
            assert r.answer[0][0].address == "127.0.0.3"
        # While the connection is open the worker serves from its event base.
        if mode == "" and RECVMMSG:
            assert in_recvmmsg(srv) == 0
        s.close()
        assert udp_a(srv) == ["127.0.0.3"]
        if mode == "" and RECVMMSG:
            assert wait_blocked(srv, 1)
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=3.0)
        assert tcp_query(s, NAME, "TXT", qid=9).answer[0][0].strings == \
            (b"Listed 40.78.242.5",)
        s.close()
    finally:
        srv.stop()


@pytest.mark.parametrize("mode", ["", "event"])
@pytest.mark.parametrize("tcp_open", [False, True])
def test_sigterm_stops_within_a_second(tmp_path, monkeypatch, mode, tcp_open):
    srv = start(tmp_path, monkeypatch, mode, workers=2)
    s = None
    try:
        assert udp_a(srv) == ["127.0.0.3"]
        if tcp_open:
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=3.0)
            assert tcp_query(s, NAME).answer[0][0].address == "127.0.0.3"
        elif mode == "" and RECVMMSG:
            assert wait_blocked(srv, 2)
        t0 = time.monotonic()
        srv.proc.send_signal(signal.SIGTERM)
        assert srv.proc.wait(timeout=2.0) == 0
        assert time.monotonic() - t0 < 1.0
    finally:
        if s:
            s.close()
        srv.stop()


def reloads_ok(mport):
    text = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics", timeout=3).read().decode()
    for line in text.splitlines():
        if line.startswith('dnsxld_reloads_total{result="success"}'):
            return int(float(line.rsplit(" ", 1)[1]))
    raise KeyError("dnsxld_reloads_total")


@pytest.mark.parametrize("mode", ["", "event"])
def test_sighup_reload_while_blocked(tmp_path, monkeypatch, mode):
    """The reload publishes while every worker sits in recvmmsg, without a
    query to wake them: a blocked worker holds no snapshot."""
    mport = free_port()
    srv = start(tmp_path, monkeypatch, mode, workers=2,
                extra=["--metrics-listen", f"127.0.0.1@{mport}"])
    try:
        assert udp_a(srv) == ["127.0.0.3"]
        if mode == "" and RECVMMSG:
            assert wait_blocked(srv, 2)
        before = reloads_ok(mport)
        (tmp_path / "bl.ip4").write_text(":127.0.0.4:Moved $\n40.78.242.5\n")
        srv.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 3.0
        while reloads_ok(mport) == before and time.monotonic() < deadline:
            time.sleep(0.02)
        assert reloads_ok(mport) > before
        assert udp_a(srv) == ["127.0.0.4"]
        assert srv.query(NAME, "A", tcp=True).answer[0][0].address == "127.0.0.4"
    finally:
        srv.stop()


def test_ipv6_address_blocks_and_serves_tcp(tmp_path, monkeypatch):
    srv = start(tmp_path, monkeypatch, "", host="::1")
    try:
        assert udp_a(srv) == ["127.0.0.3"]
        if RECVMMSG:
            assert wait_blocked(srv, 1)
        t0 = time.monotonic()
        r = srv.query(NAME, "TXT", tcp=True, timeout=3.0)
        assert time.monotonic() - t0 < 1.0
        assert r.answer[0][0].strings == (b"Listed 40.78.242.5",)
        assert udp_a(srv) == ["127.0.0.3"]
    finally:
        srv.stop()


@pytest.mark.parametrize("mode", ["", "event"])
def test_burst_of_tcp_connections(tmp_path, monkeypatch, mode):
    """Many connections at once (one signal each) on blocked workers: all
    accepted and answered, then the workers go back to blocking."""
    srv = start(tmp_path, monkeypatch, mode, workers=2)
    try:
        assert udp_a(srv) == ["127.0.0.3"]
        if mode == "" and RECVMMSG:
            assert wait_blocked(srv, 2)
        t0 = time.monotonic()
        socks = [socket.create_connection(("127.0.0.1", srv.port), timeout=3.0)
                 for _ in range(40)]
        for i, s in enumerate(socks):
            assert tcp_query(s, NAME, qid=i).answer[0][0].address == "127.0.0.3"
        assert time.monotonic() - t0 < 2.0
        for s in socks:
            s.close()
        assert udp_a(srv) == ["127.0.0.3"]
        if mode == "" and RECVMMSG:
            assert wait_blocked(srv, 2)
    finally:
        srv.stop()


@pytest.mark.parametrize("workers", [1, 2])
def test_tcp_connection_queued_before_workers_start(tmp_path, workers):
    """dnsxld listens before it loads its data, so a client can connect
    before the workers run. The listener's wake-up signal only covers
    connections that arrive after a worker has set it up; one already
    queued must be accepted too (regression: the worker went straight to
    its blocking recvmmsg and the connection waited for some UDP traffic)."""
    # enough data that the load leaves time to connect before the workers
    lines = [":127.0.0.3:Listed $"] + [f"10.{i >> 8}.{i & 255}.0/24"
                                      for i in range(60000)] + ["40.78.242.5"]
    (tmp_path / "bl.ip4").write_text("\n".join(lines) + "\n")
    port = free_port()
    argv = [str(BUILD / "dnsxld"), "-n", "-c", "0", "--workers", str(workers),
            "-b", f"127.0.0.1/{port}", f"{ZONE}:ip4trie:bl.ip4"]
    log = open(tmp_path / "server.log", "w")
    p = subprocess.Popen(argv, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        conns = []
        deadline = time.monotonic() + 10
        while not conns and time.monotonic() < deadline:
            s = socket.socket()
            try:
                s.connect(("127.0.0.1", port))
                conns.append(s)
            except OSError:
                s.close()
                time.sleep(0.002)
        assert conns, "dnsxld never listened"
        # one connection per worker listener is likely with several
        for _ in range(4 * workers):
            c = socket.socket()
            c.connect(("127.0.0.1", port))
            conns.append(c)
        assert "serving with" not in (tmp_path / "server.log").read_text(), \
            "connected only after the workers started: the test proves nothing"
        for c in conns:
            c.settimeout(3)
            r = tcp_ask(c, NAME)
            assert r is not None and r.answer, "no answer over TCP"
            c.close()
    finally:
        p.terminate()
        p.wait(timeout=10)
        log.close()
