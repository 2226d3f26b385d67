"""dnsxld as a process: TCP limits (RFC 7766), signals, pidfile, workers,
identity from the config, and daemon start-up errors."""
import os
import pathlib
import signal
import socket
import struct
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import pytest

from conftest import BUILD, free_port, tcp_ask

ZONE = "bl.example.org"


@pytest.fixture
def data(tmp_path):
    (tmp_path / "bl.ip4").write_text(":127.0.0.3:Listed $\n40.78.242.5\n")
    return tmp_path


def conf(tmp_path, text):
    p = tmp_path / "dnsxld.conf"
    p.write_text(text)
    return p


def tcp_connect(srv, host="127.0.0.1", timeout=3.0):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, srv.port))
    return s


def is_closed(s, timeout):
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True


def test_tcp_idle_timeout(dnsxld_server, data):
    c = conf(data, "server:\n  tcp-idle-timeout: 1s\n")
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], config=c)
    s = tcp_connect(srv)
    r = tcp_ask(s, "5.242.78.40." + ZONE)
    assert r.answer[0][0].address == "127.0.0.3"
    t0 = time.monotonic()
    assert is_closed(s, 4.0)
    assert 0.5 < time.monotonic() - t0 < 3.5
    s.close()


def test_tcp_connection_cap(dnsxld_server, data):
    c = conf(data, "server:\n  tcp-max-clients: 2\n  tcp-idle-timeout: 5s\n")
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], config=c)
    a, b = tcp_connect(srv), tcp_connect(srv)
    assert tcp_ask(a, ZONE, "SOA").rcode() == dns.rcode.NOERROR
    assert tcp_ask(b, ZONE, "SOA").rcode() == dns.rcode.NOERROR
    third = tcp_connect(srv)
    assert is_closed(third, 2.0)            # over the cap: closed at once
    third.close()
    a.close()
    time.sleep(0.3)
    d = tcp_connect(srv)                    # a slot is free again
    assert tcp_ask(d, ZONE, "SOA").rcode() == dns.rcode.NOERROR
    for s in (b, d):
        s.close()


def test_tcp_half_close_still_answers(dnsxld_server, data):
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"])
    s = tcp_connect(srv)
    q = dns.message.make_query("5.242.78.40." + ZONE, "A")
    w = q.to_wire()
    s.sendall((struct.pack("!H", len(w)) + w) * 2)
    s.shutdown(socket.SHUT_WR)
    buf = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    s.close()
    n = struct.unpack("!H", buf[:2])[0]
    assert len(buf) == 2 * (2 + n)


def test_identity_and_version_from_config(dnsxld_server, data):
    c = conf(data, 'server:\n  identity: "ns-test-1"\n  version: "custom text"\n')
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], config=c)
    for name in ("id.server", "hostname.bind"):
        for tcp in (False, True):
            r = srv.query(name, "TXT", rdclass="CH", tcp=tcp)
            assert r.answer[0][0].strings == (b"ns-test-1",)
    r = srv.query("version.bind", "TXT", rdclass="CH")
    assert r.answer[0][0].strings == (b"custom text",)


def test_sigterm_clean_exit(dnsxld_server, data):
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"])
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(timeout=5) == 0


def test_sigint_clean_exit(dnsxld_server, data):
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"])
    srv.proc.send_signal(signal.SIGINT)
    assert srv.proc.wait(timeout=5) == 0


def test_sighup_reloads(dnsxld_server, data):
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], extra=["-c", "0"])
    assert srv.query("9.9.9.9." + ZONE, "A").rcode() == dns.rcode.NXDOMAIN
    (data / "bl.ip4").write_text(":127.0.0.3:Listed $\n40.78.242.5\n9.9.9.9\n")
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if srv.query("9.9.9.9." + ZONE, "A").rcode() == dns.rcode.NOERROR:
            break
        time.sleep(0.1)
    r = srv.query("9.9.9.9." + ZONE, "A")
    assert r.answer[0][0].address == "127.0.0.3"
    assert srv.proc.poll() is None


def test_check_interval_reloads_changed_files(dnsxld_server, data):
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], extra=["-c", "1"])
    assert srv.query("9.9.9.9." + ZONE, "A").rcode() == dns.rcode.NXDOMAIN
    p = data / "bl.ip4"
    p.write_text(":127.0.0.3:Listed $\n40.78.242.5\n9.9.9.9\n")
    st = p.stat()
    os.utime(p, (st.st_atime, st.st_mtime + 5))    # clearly newer
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        if srv.query("9.9.9.9." + ZONE, "A").rcode() == dns.rcode.NOERROR:
            break
        time.sleep(0.2)
    assert srv.query("9.9.9.9." + ZONE, "A").answer[0][0].address == "127.0.0.3"


def test_sighup_bad_data_keeps_serving(dnsxld_server, data):
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], extra=["-c", "0"])
    (data / "bl.ip4").unlink()
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert srv.proc.poll() is None
    r = srv.query("5.242.78.40." + ZONE, "A")
    assert r.answer[0][0].address == "127.0.0.3"


def test_workers_option(dnsxld_server, data):
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], extra=["--workers", "3"])
    for i in range(30):
        r = srv.query("5.242.78.40." + ZONE, "A", tcp=bool(i & 1))
        assert r.answer[0][0].address == "127.0.0.3"


def test_pidfile_and_daemon(data):
    port = free_port()
    pidfile = data / "dnsxld.pid"
    argv = [str(BUILD / "dnsxld"), "-b", f"127.0.0.1/{port}", "-p", str(pidfile),
            f"{ZONE}:ip4set:bl.ip4"]
    # without -n the parent returns once the child has loaded the data
    out = subprocess.run(argv, cwd=data, timeout=10, capture_output=True)
    assert out.returncode == 0
    pid = int(pidfile.read_text())
    try:
        r = None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and r is None:
            try:
                q = dns.message.make_query(ZONE, "SOA")
                r = dns.query.udp(q, "127.0.0.1", port=port, timeout=0.5)
            except Exception:
                time.sleep(0.1)
        assert r is not None and r.rcode() == dns.rcode.NOERROR
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pidfile.exists():
        time.sleep(0.05)
    assert not pidfile.exists()


def test_load_error_exit_status(data):
    port = free_port()
    argv = [str(BUILD / "dnsxld"), "-b", f"127.0.0.1/{port}",
            f"{ZONE}:ip4set:missing.ip4"]
    out = subprocess.run(argv, cwd=data, timeout=10, capture_output=True)
    assert out.returncode == 1
    out = subprocess.run(argv[:1] + ["-n"] + argv[1:], cwd=data, timeout=10,
                         capture_output=True)
    assert out.returncode == 1


def test_bind_conflict_fails(data):
    port = free_port()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))             # no SO_REUSEPORT: bind must fail
    try:
        out = subprocess.run([str(BUILD / "dnsxld"), "-n", "-b", f"127.0.0.1/{port}",
                              f"{ZONE}:ip4set:bl.ip4"], cwd=data, timeout=10,
                             capture_output=True, text=True)
        assert out.returncode == 1
        assert "bind" in out.stderr
    finally:
        s.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to chroot and setuid")
def test_chroot_and_user(dnsxld_server, data):
    os.chmod(data, 0o755)
    os.chmod(data / "bl.ip4", 0o644)
    # inside the jail the data file is /bl.ip4
    srv = dnsxld_server([f"{ZONE}:ip4set:/bl.ip4"],
                        extra=["-r", str(data), "-u", "nobody"])
    r = srv.query("5.242.78.40." + ZONE, "A")
    assert r.answer[0][0].address == "127.0.0.3"
    status = pathlib.Path(f"/proc/{srv.proc.pid}/status").read_text()
    uid = [line.split()[1:] for line in status.splitlines() if line.startswith("Uid:")][0]
    assert uid == ["65534"] * 4
    assert os.readlink(f"/proc/{srv.proc.pid}/root") == str(data)


def reuseport_bind(port, kind):
    """Bind 127.0.0.1:port with SO_REUSEPORT; True if the kernel let us."""
    s = socket.socket(socket.AF_INET, kind)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


@pytest.mark.parametrize("kind", [socket.SOCK_DGRAM, socket.SOCK_STREAM])
def test_lone_worker_port_cannot_be_shared(dnsxld_server, data, kind):
    """One worker: its sockets go without SO_REUSEPORT, so another process
    (of the same user) cannot bind the port and take a share of queries."""
    srv = dnsxld_server([f"bl.example:ip4set:{data / 'bl.ip4'}"], extra=["--workers", "1"])
    assert not reuseport_bind(srv.port, kind)
    assert srv.proc.poll() is None


@pytest.mark.parametrize("kind", [socket.SOCK_DGRAM, socket.SOCK_STREAM])
def test_several_workers_share_the_port(dnsxld_server, data, kind):
    """Several workers: one SO_REUSEPORT group per address (the kernel
    spreads clients over them), which a process of the same user may join."""
    srv = dnsxld_server([f"bl.example:ip4set:{data / 'bl.ip4'}"], extra=["--workers", "2"])
    assert reuseport_bind(srv.port, kind)
