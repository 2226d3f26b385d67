"""Start/stop cycles: SIGTERM right after the first answer, SIGTERM under
load, SIGINT, with the optional threads running (query log, statistics,
/metrics, control socket); each run must exit 0 within a few seconds.
(A lost stop once left the main thread in pthread_join.)"""
import pathlib
import signal
import socket
import subprocess
import threading
import time

import dns.message
import dns.query
import pytest

from conftest import BUILD, free_port

ZONE = "bl.example.org"
STOP_TIMEOUT = 5.0


def gdb_backtrace(pid):
    try:
        return subprocess.run(
            ["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt"],
            capture_output=True, text=True, timeout=20).stdout[-6000:]
    except Exception as e:              # noqa: BLE001 - diagnostics only
        return f"(no backtrace: {e})"


def start(tmp_path, extra=(), data="10.0.0.1\n127.0.0.2\n"):
    (tmp_path / "bl.ip4").write_text(data)
    port = free_port()
    argv = [str(BUILD / "dnsxld"), "-n", "-b", f"127.0.0.1/{port}",
            "-c", "1", "--workers", "8", *extra, f"{ZONE}:ip4set:bl.ip4"]
    log = open(tmp_path / "server.log", "w")
    p = subprocess.Popen(argv, cwd=tmp_path, stdout=log,
                         stderr=subprocess.STDOUT)
    log.close()
    p.port = port
    p.log = tmp_path / "server.log"
    return p


def first_answer(p, timeout=5.0):
    """Query until the server answers (it is up); the answer's rcode."""
    q = dns.message.make_query(f"2.0.0.127.{ZONE}", "A")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert p.poll() is None, \
            f"dnsxld exited during start-up:\n{p.log.read_text()[-2000:]}"
        try:
            return dns.query.udp(q, "127.0.0.1", port=p.port,
                                 timeout=0.2).rcode()
        except Exception:               # noqa: BLE001 - not up yet
            time.sleep(0.02)
    raise AssertionError("dnsxld never answered")


def stop(p, sig):
    p.send_signal(sig)
    try:
        rc = p.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        bt = gdb_backtrace(p.pid)
        p.kill()
        p.wait()
        pytest.fail(f"dnsxld hung on signal {sig}:\n{bt}")
    assert rc == 0


def load(port, stop_flag):
    """UDP queries as fast as one thread sends them (no waiting)."""
    wire = dns.message.make_query(f"1.0.0.10.{ZONE}", "A").to_wire()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    while not stop_flag.is_set():
        try:
            s.sendto(wire, ("127.0.0.1", port))
            s.recv(4096)
        except (BlockingIOError, ConnectionRefusedError):
            time.sleep(0.0005)
    s.close()


def observed(tmp_path):
    """Options that start the query log, stats, metrics, control threads."""
    return ["-l", str(tmp_path / "q.log"), "-s", str(tmp_path / "stats"),
            "--metrics-listen", f"127.0.0.1@{free_port()}",
            "--control-socket", str(tmp_path / "ctl.sock")]


@pytest.mark.parametrize("extra", [[], ["observed"]], ids=["plain", "observed"])
def test_sigterm_right_after_first_answer(tmp_path, extra):
    for i in range(20):
        opts = observed(tmp_path) if extra else []
        p = start(tmp_path, opts)
        assert first_answer(p) == 0
        stop(p, signal.SIGTERM)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_under_load(tmp_path, sig):
    for i in range(5):
        p = start(tmp_path, observed(tmp_path))
        assert first_answer(p) == 0
        flag = threading.Event()
        ts = [threading.Thread(target=load, args=(p.port, flag))
              for _ in range(2)]
        for t in ts:
            t.start()
        time.sleep(0.15)
        try:
            stop(p, sig)
        finally:
            flag.set()
            for t in ts:
                t.join()


def test_sigterm_during_startup(tmp_path):
    """Signals before the handlers exist wait for them, then stop it."""
    big = "\n".join(f"10.{i >> 8 & 255}.{i & 255}.0/24" for i in range(20000))
    for i in range(10):
        p = start(tmp_path, data=big + "\n")
        # before main() blocks SIGTERM the default action kills it: wait
        # for the block (SigBlk bit 15), then signal during the load
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            status = pathlib.Path(f"/proc/{p.pid}/status").read_text()
            blk = int(status.split("SigBlk:")[1].split()[0], 16)
            if blk & (1 << (signal.SIGTERM - 1)):
                break
            time.sleep(0.001)
        time.sleep(0.003 * i)
        stop(p, signal.SIGTERM)



def test_sigterm_with_notify_pending(tmp_path):
    """The NOTIFY thread (started by the first load) still resending to a
    silent secondary when SIGTERM comes."""
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    try:
        (tmp_path / "d4").write_text("10.0.0.1\n")
        for i in range(10):
            port = free_port()
            conf = tmp_path / "dnsxld.conf"
            conf.write_text(f"""server:
  listen: 127.0.0.1@{port}
  notify: [ "127.0.0.1@{silent.getsockname()[1]}" ]
datasets:
  - {{ name: v4, type: ip4trie, files: [ d4 ] }}
zones:
  - {{ name: {ZONE}, datasets: [ v4 ] }}
""")
            log = open(tmp_path / "server.log", "w")
            p = subprocess.Popen([str(BUILD / "dnsxld"), "-n", "--config",
                                  str(conf)], cwd=tmp_path, stdout=log,
                                 stderr=subprocess.STDOUT)
            log.close()
            p.port = port
            assert first_answer(p) == 0
            stop(p, signal.SIGTERM)
    finally:
        silent.close()
