"""System-test fixtures: start the real dnsxld on a random loopback port.

A test writes its data files into tmp_path, calls `dnsxld_server(args)` and
gets a handle with `.port`, `.query(name, type, ...)` and `.stop()`. The
server is always stopped at teardown; every socket is on loopback.
"""
import os
import pathlib
import random
import socket
import struct
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("DNSXL_BUILD", ROOT / "build"))


def _ephemeral_low():
    """The lowest port the kernel hands out as a client's source port."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_ports = random.Random(os.getpid() ^ time.monotonic_ns())
_handed_out = set()


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 and ::1 right now.

    Chosen below the ephemeral range: a test that polls a port with
    connect() before the server listens could otherwise be given that
    very port as its source and connect to itself (TCP simultaneous
    open), see a "listener" that is not there, and keep the server from
    binding (a CI run failed so).

    Never the same port twice in one run: a test that takes two ports
    before starting a server (DNS and /metrics) would otherwise get one
    port for both now and then, and the server would not start (a CI run
    failed so)."""
    low = _ephemeral_low()
    lo, hi = max(1024, low // 2), low - 1
    for _ in range(200):
        port = _ports.randint(lo, hi)
        if port in _handed_out:
            continue
        try:
            for fam, typ, host in ((socket.AF_INET, socket.SOCK_DGRAM, "127.0.0.1"),
                                   (socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1"),
                                   (socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                                   (socket.AF_INET6, socket.SOCK_STREAM, "::1")):
                with socket.socket(fam, typ) as t:
                    t.bind((host, port))
            _handed_out.add(port)
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


def tcp_ask(s, name, rdtype="A", qid=7):
    """One query over the connected TCP socket s (RFC 1035 length prefix);
    the answer, or None when the server closed the connection first."""
    q = dns.message.make_query(name, rdtype)
    q.id = qid
    w = q.to_wire()
    s.sendall(struct.pack("!H", len(w)) + w)
    hdr = b""
    while len(hdr) < 2:
        chunk = s.recv(2 - len(hdr))
        if not chunk:
            return None
        hdr += chunk
    n = struct.unpack("!H", hdr)[0]
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            return None
        body += chunk
    return dns.message.from_wire(body)


class Server:
    """A running dnsxld (or rbldnsd) process and helpers to query it."""

    def __init__(self, argv, port, host="127.0.0.1", cwd=None, probe=None):
        self.port = port
        self.host = host
        self.argv = argv
        self.logpath = None if cwd is None else pathlib.Path(cwd) / "server.log"
        self.log = open(self.logpath or os.devnull, "w")
        self.proc = subprocess.Popen(argv, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_ready(probe)

    def log_text(self):
        try:
            return self.logpath.read_text() if self.logpath else ""
        except OSError:
            return ""

    def serving(self):
        """dnsxld says "serving with N workers" once it has loaded its data
        and runs its workers; its sockets listen before that, and a server
        that fails to start after binding them would still take a TCP
        connect (other servers, or no log file: the connect is enough)."""
        if self.logpath is None or "dnsxld" not in os.path.basename(self.argv[0]):
            return True
        return "serving with" in self.log_text()

    def wait_ready(self, probe, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.argv}\n"
                                   + self.log_text())
            try:
                if probe:
                    self.query(probe, "SOA", timeout=0.3)
                else:
                    s = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET,
                                      socket.SOCK_STREAM)
                    s.settimeout(0.3)
                    s.connect((self.host, self.port))
                    s.close()
                    if not self.serving():
                        raise RuntimeError("listening, not serving yet")
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("server did not become ready")

    def query(self, name, rdtype="A", tcp=False, host=None, timeout=2.0, **kw):
        q = dns.message.make_query(name, rdtype, **kw)
        where = host or self.host
        if tcp:
            return dns.query.tcp(q, where, port=self.port, timeout=timeout)
        return dns.query.udp(q, where, port=self.port, timeout=timeout, ignore_unexpected=True)

    def stop(self):
        if self.proc.poll() is not None and self.logpath is not None:
            # it ended on its own: say why (shown when the test fails)
            print(f"server exited with {self.proc.returncode}:\n{self.log_text()}")
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def dnsxld_server(tmp_path):
    """Factory: dnsxld_server(["zone:type:file", ...], extra=[...]) -> Server."""
    started = []

    def start(specs, extra=(), probe=None, config=None):
        port = free_port()
        argv = [str(BUILD / "dnsxld"), "-n", "-b", f"127.0.0.1/{port}", "-b", f"::1/{port}"]
        if config:
            argv += ["--config", str(config)]
        argv += list(extra) + list(specs)
        zone = probe
        if zone is None and specs:
            zone = specs[0].split(":", 1)[0]
        srv = Server(argv, port, cwd=tmp_path, probe=zone)
        started.append(srv)
        return srv

    yield start
    for s in started:
        s.stop()
