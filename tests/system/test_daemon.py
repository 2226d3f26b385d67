"""dnsxld as a service: sd_notify (READY=1, RELOADING=1, STOPPING=1) on a
test $NOTIFY_SOCKET, pidfile removal in the foreground, SIGTERM exit status,
and the systemd unit's own settings."""
import os
import pathlib
import signal
import socket
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import pytest

from conftest import BUILD, ROOT, free_port

ZONE = "bl.example.org"


def recv_states(sock, until, timeout=5.0):
    """Datagrams received until one contains `until`; a list of dicts."""
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            data = sock.recv(4096).decode()
        except socket.timeout:
            break
        d = dict(l.split("=", 1) for l in data.splitlines() if "=" in l)
        got.append(d)
        if until in data:
            return got
    raise AssertionError(f"no {until!r} in {got!r}")


@pytest.fixture
def notify(tmp_path):
    path = tmp_path / "notify.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(str(path))
    yield s, path
    s.close()


def start(tmp_path, extra=(), env=None, base_env=None):
    (tmp_path / "bl.ip4").write_text("10.0.0.1\n")
    port = free_port()
    argv = [str(BUILD / "dnsxld"), "-n", "-b", f"127.0.0.1/{port}", "-c", "0",
            *extra, f"{ZONE}:ip4set:bl.ip4"]
    log = open(tmp_path / "server.log", "w")
    p = subprocess.Popen(argv, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
                         env={**(os.environ if base_env is None else base_env), **(env or {})})
    p.port = port
    return p


def ask(port, name):
    q = dns.message.make_query(name, "A")
    return dns.query.udp(q, "127.0.0.1", port=port, timeout=2)


def test_sd_notify_ready_reload_stop(tmp_path, notify):
    sock, path = notify
    p = start(tmp_path, env={"NOTIFY_SOCKET": str(path)})
    try:
        states = recv_states(sock, "READY=1")
        assert states[-1]["READY"] == "1" and int(states[-1]["MAINPID"]) == p.pid
        # Ready means answering.
        assert ask(p.port, "1.0.0.10." + ZONE).answer
        p.send_signal(signal.SIGHUP)
        states = recv_states(sock, "READY=1")
        assert states[0]["RELOADING"] == "1" and int(states[0]["MONOTONIC_USEC"]) > 0
        assert states[-1]["READY"] == "1"
        p.send_signal(signal.SIGTERM)
        states = recv_states(sock, "STOPPING=1")
        assert states[-1]["STOPPING"] == "1"
        assert p.wait(timeout=5) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_sd_notify_abstract_socket(tmp_path):
    name = f"dnsxld-test-{os.getpid()}-{time.monotonic_ns()}"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + name)
    p = start(tmp_path, env={"NOTIFY_SOCKET": "@" + name})
    try:
        assert recv_states(s, "READY=1")[-1]["READY"] == "1"
    finally:
        p.terminate()
        p.wait(timeout=5)
        s.close()


def wait_answer(p, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            assert ask(p.port, "1.0.0.10." + ZONE).answer
            return
        except (dns.exception.Timeout, OSError):
            time.sleep(0.05)
            assert time.monotonic() < deadline and p.poll() is None


def test_no_notify_socket_no_problem(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    p = start(tmp_path, base_env=env)
    try:
        wait_answer(p)
    finally:
        p.terminate()
        assert p.wait(timeout=5) == 0


def test_pidfile_removed_on_sigterm_foreground(tmp_path):
    pidfile = tmp_path / "d.pid"
    p = start(tmp_path, extra=["-p", str(pidfile)])
    try:
        deadline = time.monotonic() + 5
        while not (pidfile.exists() and pidfile.read_text().strip()):
            assert time.monotonic() < deadline and p.poll() is None
            time.sleep(0.02)
        assert int(pidfile.read_text()) == p.pid
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=5) == 0
        assert not pidfile.exists()
        assert "shutting down" in (tmp_path / "server.log").read_text()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_sigint_is_clean_too(tmp_path):
    p = start(tmp_path)
    wait_answer(p)
    p.send_signal(signal.SIGINT)
    assert p.wait(timeout=5) == 0


def test_systemd_unit():
    unit = (ROOT / "conf" / "dnsxld.service").read_text()
    lines = {l.split("=", 1)[0]: l.split("=", 1)[1] for l in unit.splitlines()
             if "=" in l and not l.startswith("#")}
    assert lines["Type"] == "notify"
    assert lines["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert " -n " in lines["ExecStart"] + " "
    assert "--config" in lines["ExecStart"]
    # the reload thread may return from SCHED_IDLE to nice 10 (test_threads.py)
    assert lines["LimitNICE"] == "10"
    # systemd-analyze verifies the unit when it is installed.
    sa = subprocess.run(["sh", "-c", "command -v systemd-analyze"], capture_output=True)
    if sa.returncode == 0:
        r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                            str(ROOT / "conf" / "dnsxld.service")],
                           capture_output=True, text=True)
        assert "Unknown key" not in r.stderr and "Invalid" not in r.stderr, r.stderr
