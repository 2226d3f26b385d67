"""Response rate limiting (rrl.h): a UDP flood from one client prefix is
limited (every 2nd limited answer truncated, the rest dropped) while
another prefix, TCP and exempt addresses are answered normally."""
import socket
import time

import dns.flags
import dns.message
import dns.rcode

from ctl_util import LISTED, UNLISTED, ask, cleanup, dnsxl, short_dir, \
    start, write_conf

N = 40


def flood(srv, src, name=LISTED, n=N):
    """Send n queries from src as fast as possible; count full and TC
    answers (whatever arrives within 0.5 s of the last one)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(0.5)
    wire = [dns.message.make_query(name, "A", id=i + 1).to_wire()
            for i in range(n)]
    t0 = time.monotonic()
    for w in wire:
        s.sendto(w, ("127.0.0.1", srv.port))
    flood.elapsed = time.monotonic() - t0
    full = tc = 0
    try:
        while True:
            data, _ = s.recvfrom(4096)
            r = dns.message.from_wire(data)
            if r.flags & dns.flags.TC:
                assert r.answer == [] and r.authority == []
                assert r.question[0].name.to_text() == name + "."
                tc += 1
            else:
                assert r.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN)
                full += 1
    except socket.timeout:
        pass
    s.close()
    return full, tc


def check_burst(full, rate=5, elapsed=None):
    """A burst of `rate` answers, and the tokens that came back while
    sending."""
    if elapsed is None:
        elapsed = flood.elapsed
    assert rate <= full <= rate + 1 + int(elapsed * rate), (full, elapsed)


def check_limited(full, tc, rate=5, n=N, elapsed=None):
    """The burst, then every 2nd limited answer truncated (slip 2)."""
    check_burst(full, rate, elapsed)
    assert tc == (n - full) // 2, (full, tc)


def test_flood_limited_other_address_answered(dnsxld_server, tmp_path):
    conf = write_conf(tmp_path, rrl={"rate": 5, "slip": 2,
                                     "ipv4-prefix-length": 32})
    srv = start(dnsxld_server, conf)
    check_limited(*flood(srv, "127.0.0.5"))
    # Another client is answered normally while .5 is being limited.
    assert flood(srv, "127.0.0.6", n=5) == (5, 0)
    # TCP is never limited.
    for _ in range(10):
        r = ask(srv, LISTED, src="127.0.0.5", tcp=True)
        assert [x.address for x in r.answer[0]] == ["127.0.0.2"]
    # Other response kinds have their own buckets.
    check_limited(*flood(srv, "127.0.0.5", name=UNLISTED))
    # Tokens come back at `rate` per second.
    time.sleep(1.1)
    full, _ = flood(srv, "127.0.0.5", n=5)
    assert full == 5


def test_default_prefix_is_slash24(dnsxld_server, tmp_path):
    conf = write_conf(tmp_path, rrl={"rate": 5})       # slip 2 by default
    srv = start(dnsxld_server, conf)
    # Three clients at once: .5 floods, .6 shares its /24 (and so its
    # empty bucket), 127.0.1.6 is in another /24.
    socks = {}
    for src in ("127.0.0.5", "127.0.0.6", "127.0.1.6"):
        socks[src] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socks[src].bind((src, 0))
        socks[src].settimeout(0.5)
    q = dns.message.make_query(LISTED, "A").to_wire()
    t0 = time.monotonic()
    for _ in range(N):
        socks["127.0.0.5"].sendto(q, ("127.0.0.1", srv.port))
    for _ in range(6):
        socks["127.0.0.6"].sendto(q, ("127.0.0.1", srv.port))
    for _ in range(5):
        socks["127.0.1.6"].sendto(q, ("127.0.0.1", srv.port))
    elapsed = time.monotonic() - t0
    got = {}
    for src, s in socks.items():
        full = tc = 0
        try:
            while True:
                r = dns.message.from_wire(s.recvfrom(4096)[0])
                if r.flags & dns.flags.TC:
                    tc += 1
                else:
                    full += 1
        except socket.timeout:
            pass
        s.close()
        got[src] = (full, tc)
    check_limited(*got["127.0.0.5"], elapsed=elapsed)
    full, tc = got["127.0.0.6"]
    assert full <= 1 + int(elapsed * 5) and tc >= 2, (got, elapsed)
    assert got["127.0.1.6"] == (5, 0)


def test_slip_zero_and_one(dnsxld_server, tmp_path):
    srv = start(dnsxld_server, write_conf(
        tmp_path, rrl={"rate": 5, "slip": 0, "ipv4-prefix-length": 32}))
    full, tc = flood(srv, "127.0.0.5")
    check_burst(full)
    assert tc == 0
    srv.stop()
    srv = start(dnsxld_server, write_conf(
        tmp_path, rrl={"rate": 5, "slip": 1, "ipv4-prefix-length": 32}))
    full, tc = flood(srv, "127.0.0.5")
    check_burst(full)
    assert full + tc == N


def test_exempt_and_off(dnsxld_server, tmp_path):
    srv = start(dnsxld_server, write_conf(
        tmp_path, rrl={"rate": 5, "exempt": "[127.0.0.9/32]"}))
    assert flood(srv, "127.0.0.9") == (N, 0)
    srv.stop()
    srv = start(dnsxld_server, write_conf(tmp_path))   # rate 0: off
    assert flood(srv, "127.0.0.5") == (N, 0)


def test_counters(dnsxld_server, tmp_path):
    d = short_dir()
    try:
        sock = d / "ctl.sock"
        srv = start(dnsxld_server, write_conf(
            tmp_path, sock=sock, rrl={"rate": 5, "ipv4-prefix-length": 32}))
        full, tc = flood(srv, "127.0.0.5")
        p = dnsxl(sock, "stats")
        assert p.returncode == 0
        stats = dict(line.rsplit(" ", 1) for line in p.stdout.splitlines())
        assert int(stats["rrl.slipped"]) == tc
        assert int(stats["rrl.dropped"]) == N - full - tc
        assert "rrl rate 5 slip 2" in dnsxl(sock, "status").stdout
        srv.stop()
    finally:
        cleanup(d)


def test_bad_exempt_refuses_to_start(tmp_path):
    import subprocess
    from conftest import BUILD, free_port
    conf = write_conf(tmp_path, rrl={"rate": 5, "exempt": "[10.0.0.1/8]"})
    p = subprocess.run([str(BUILD / "dnsxld"), "-n", "-b",
                        f"127.0.0.1/{free_port()}", "--config", str(conf)],
                       cwd=tmp_path, capture_output=True, text=True,
                       timeout=10)
    assert p.returncode == 1
    assert ('rrl: exempt: "10.0.0.1/8" has host bits set (use 10.0.0.0/8)'
            in p.stderr)


def test_one_table_for_all_workers(dnsxld_server, tmp_path):
    """A client whose queries come from many source ports reaches several
    workers (SO_REUSEPORT hashes the port): they share one table, so it
    still gets `rate` answers, not `rate` per worker."""
    conf = write_conf(tmp_path, rrl={"rate": 5, "slip": 0,
                                     "ipv4-prefix-length": 32}, workers=4)
    srv = start(dnsxld_server, conf)
    socks = []
    for _ in range(16):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.7", 0))
        s.settimeout(0.3)
        socks.append(s)
    t0 = time.monotonic()
    for i in range(80):
        socks[i % 16].sendto(dns.message.make_query(LISTED, "A", id=i + 1).to_wire(),
                             ("127.0.0.1", srv.port))
    elapsed = time.monotonic() - t0
    full = 0
    for s in socks:
        try:
            while True:
                s.recvfrom(4096)
                full += 1
        except socket.timeout:
            pass
        s.close()
    check_burst(full, 5, elapsed)
