"""Hostile clients against a running dnsxld: malformed and odd packets over
UDP and TCP, odd TCP framing, slow and non-reading clients, connection
floods. Each case asserts the exact reply (rcode and flags) or silence, and
that the server still answers a normal query afterwards."""
import socket
import struct
import time

import dns.exception
import dns.message
import dns.rcode
import pytest

ZONE = "bl.example.org"
LISTED = "5.242.78.40." + ZONE
QID = 0xBEEF

NOERROR, FORMERR, NXDOMAIN, NOTIMP, REFUSED = 0, 1, 3, 4, 5


def wire_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def hdr(flags=0x0100, qd=1, an=0, ns=0, ar=0, qid=QID):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def question(name=LISTED, qtype=1, qclass=1):
    return wire_name(name) + struct.pack("!HH", qtype, qclass)


OPT = b"\x00" + struct.pack("!HHIH", 41, 1232, 0, 0)


@pytest.fixture
def srv(tmp_path, dnsxld_server):
    (tmp_path / "bl.ip4").write_text(
        "$SOA 1h ns.example.org. hm.example.org. 7 2h 1h 1w 5m\n"
        "$NS 1h ns.example.org.\n"
        ":127.0.0.3:Listed $\n40.78.242.5\n")
    conf = tmp_path / "dnsxld.conf"
    conf.write_text("server:\n  tcp-idle-timeout: 1s\n  tcp-max-clients: 8\n"
                    "  workers: 2\n")
    return dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], config=conf)


def udp_raw(srv, pkt, timeout=1.0):
    """Send one datagram; the reply bytes, or None after timeout."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, ("127.0.0.1", srv.port))
        return s.recvfrom(65535)[0]
    except socket.timeout:
        return None
    finally:
        s.close()


def assert_alive(srv):
    """A normal query still works, over UDP and over TCP."""
    for tcp in (False, True):
        r = srv.query(LISTED, "A", tcp=tcp, timeout=3.0)
        assert r.rcode() == dns.rcode.NOERROR
        assert r.answer[0][0].address == "127.0.0.3"


def check(rep, rcode, qd, aa=False, rd=True, ancount=0):
    """Exact header of a reply to one of our crafted requests."""
    assert rep is not None, "no reply"
    qid, flags, rqd, ran, _, _ = struct.unpack("!HHHHHH", rep[:12])
    assert qid == QID
    want = 0x8000 | (0x0400 if aa else 0) | (0x0100 if rd else 0) | rcode
    assert flags == want, f"flags {flags:#06x} != {want:#06x}"
    assert rqd == qd
    assert ran == ancount
    # the reply must parse
    dns.message.from_wire(rep)


# --- UDP: silence ----------------------------------------------------------

@pytest.mark.parametrize("pkt", [
    b"", b"\x12", hdr()[:11],                            # truncated headers
    hdr(flags=0x8100) + question(),                      # a response (QR)
    hdr(flags=0x8500, an=1) + question() + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x7f\x00\x00\x03",
], ids=["empty", "1byte", "11bytes", "qr", "qr_answer"])
def test_udp_silent(srv, pkt):
    assert udp_raw(srv, pkt, timeout=0.5) is None
    assert_alive(srv)


# --- UDP: FORMERR without a question -------------------------------------

Q = question()


@pytest.mark.parametrize("pkt", [
    hdr() + Q[:5],                                       # truncated name
    hdr() + Q[:-3],                                      # truncated type/class
    hdr() + wire_name(LISTED),                           # no type/class
    hdr() + b"\xc0\x0c\x00\x01\x00\x01",                 # pointer loop (to itself)
    hdr() + b"\x01a\xc0\x0c\x00\x01\x00\x01",            # loop via a label
    hdr() + b"\xc0\x12\x00\x01\x00\x01\x01a\x00",        # forward pointer
    hdr() + b"\xc3\xff\x00\x01\x00\x01",                 # pointer past the end
    hdr() + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01",   # label of 64
    hdr() + b"\x7f" + b"a" * 127 + b"\x00\x00\x01\x00\x01",  # label of 127
    hdr() + (b"\x3f" + b"b" * 63) * 4 + b"\x00\x00\x01\x00\x01",  # name of 257
    hdr() + b"\x01a" * 128 + b"\x00\x00\x01\x00\x01",    # 128 labels, 257 bytes
    hdr(qd=0),                                           # QDCOUNT 0
    hdr(qd=2) + Q + Q,                                   # QDCOUNT 2
    hdr(qd=0xffff) + Q,                                  # QDCOUNT 65535
], ids=["trunc_name", "trunc_type", "no_type", "ptr_self", "ptr_loop",
        "ptr_forward", "ptr_past_end", "label64", "label127", "name257",
        "labels128", "qd0", "qd2", "qd65535"])
def test_udp_formerr_no_question(srv, pkt):
    check(udp_raw(srv, pkt), FORMERR, qd=0)
    assert_alive(srv)


# --- UDP: FORMERR echoing the question -----------------------------------

GARBAGE = bytes(range(256))[:40]


@pytest.mark.parametrize("pkt", [
    hdr(an=1) + Q + GARBAGE,
    hdr(ns=2) + Q + GARBAGE,
    hdr(ar=3) + Q + GARBAGE,
    hdr(an=0xffff, ns=0xffff, ar=0xffff) + Q,
    hdr(ar=1) + Q + OPT[:-1],                            # truncated OPT
    hdr(ar=2) + Q + OPT + OPT,                           # two OPT records
    hdr(ar=3) + Q + OPT + OPT + OPT,
    hdr(an=1) + Q + OPT,                                 # OPT in the answer
    hdr(ns=1) + Q + OPT,                                 # OPT in authority
    hdr(ar=1) + Q + b"\x01x\x00" + OPT[1:],              # OPT not at the root
], ids=["an_garbage", "ns_garbage", "ar_garbage", "counts_ffff",
        "opt_truncated", "opt_x2", "opt_x3", "opt_in_an", "opt_in_ns",
        "opt_named"])
def test_udp_formerr_with_question(srv, pkt):
    rep = udp_raw(srv, pkt)
    check(rep, FORMERR, qd=1)
    assert rep[12:12 + len(Q)] == Q
    assert len(rep) == 12 + len(Q)                       # no OPT in the reply
    assert_alive(srv)


def test_udp_opt_after_other_additional_records(srv):
    """OPT anywhere in the additional section is fine (RFC 6891)."""
    rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x01\x02\x03\x04"
    rep = udp_raw(srv, hdr(ar=2) + Q + rr + OPT)
    check(rep, NOERROR, qd=1, aa=True, ancount=1)
    m = dns.message.from_wire(rep)
    assert m.edns == 0
    assert m.answer[0][0].address == "127.0.0.3"


def test_udp_edns_version_1(srv):
    opt = b"\x00" + struct.pack("!HHIH", 41, 1232, 0x00010000, 0)
    rep = udp_raw(srv, hdr(ar=1) + Q + opt)
    m = dns.message.from_wire(rep)
    assert m.rcode() == dns.rcode.BADVERS
    assert not m.answer


@pytest.mark.parametrize("qclass", [4, 254, 0x1234, 0])
def test_udp_unknown_class_refused(srv, qclass):
    rep = udp_raw(srv, hdr() + question(qclass=qclass))
    check(rep, REFUSED, qd=1)
    assert_alive(srv)


@pytest.mark.parametrize("qtype", [0, 99, 0xff00, 0xffff])
def test_udp_unknown_type_nodata(srv, qtype):
    rep = udp_raw(srv, hdr() + question(qtype=qtype))
    check(rep, NOERROR, qd=1, aa=True)
    m = dns.message.from_wire(rep)
    assert [rr.rdtype for rr in m.authority] == [6]     # SOA: NODATA
    assert_alive(srv)


@pytest.mark.parametrize("opcode", [1, 2, 4, 5, 15])
def test_udp_other_opcodes_notimp(srv, opcode):
    rep = udp_raw(srv, hdr(flags=0x0100 | opcode << 11) + Q)
    assert rep is not None
    assert struct.unpack("!H", rep[2:4])[0] == 0x8100 | opcode << 11 | NOTIMP
    assert_alive(srv)


def test_udp_nxdomain_and_other_zone(srv):
    check(udp_raw(srv, hdr() + question("9.9.9.9." + ZONE)), NXDOMAIN, qd=1, aa=True)
    check(udp_raw(srv, hdr() + question("example.com")), REFUSED, qd=1)


def test_udp_burst_of_garbage(srv):
    """Hundreds of malformed datagrams back to back, then a normal query."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    pkts = [hdr() + b"\xc0\x0c\x00\x01\x00\x01", b"\x00" * 5, hdr(qd=2) + Q + Q,
            hdr(ar=2) + Q + OPT + OPT, bytes(range(256)) * 4]
    for i in range(500):
        s.sendto(pkts[i % len(pkts)], ("127.0.0.1", srv.port))
    s.close()
    # A query sent while the socket buffer is still full of the burst may
    # be dropped by the kernel (UDP is lossy): retry as a resolver would.
    for attempt in range(5):
        try:
            r = srv.query(LISTED, "A", timeout=1.0)
            break
        except dns.exception.Timeout:
            assert attempt < 4, "no answer after a burst of garbage"
    assert r.answer[0][0].address == "127.0.0.3"
    assert_alive(srv)


# --- TCP framing -----------------------------------------------------------

def tcp_connect(srv, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(3.0)
    s.connect(("127.0.0.1", srv.port))
    return s


def frame(msg):
    return struct.pack("!H", len(msg)) + msg


def read_frame(s):
    def exact(n):
        buf = b""
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
        return buf
    h = exact(2)
    if h is None:
        return None
    return exact(struct.unpack("!H", h)[0])


def closed_within(s, seconds):
    """True when the peer closes (EOF or reset) within seconds; data read
    meanwhile is discarded."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            if s.recv(65536) == b"":
                return True
        except socket.timeout:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def test_tcp_zero_length_frame_then_query(srv):
    s = tcp_connect(srv)
    s.sendall(frame(b"") + frame(hdr() + Q))
    rep = read_frame(s)
    check(rep, NOERROR, qd=1, aa=True, ancount=1)
    s.close()
    assert_alive(srv)


def test_tcp_64k_frame(srv):
    """A maximal frame: a sound query followed by 65 KiB of junk that no
    count announces is answered; the next frame too."""
    body = hdr() + Q
    big = body + b"\xa5" * (65535 - len(body))
    s = tcp_connect(srv)
    s.sendall(frame(big) + frame(hdr(qid=QID) + question("9.9.9.9." + ZONE)))
    check(read_frame(s), NOERROR, qd=1, aa=True, ancount=1)
    check(read_frame(s), NXDOMAIN, qd=1, aa=True)
    s.close()
    assert_alive(srv)


def test_tcp_64k_garbage_frame(srv):
    """65535 bytes of garbage: a FORMERR (or nothing), never a crash."""
    s = tcp_connect(srv)
    s.sendall(frame(hdr(qd=1, an=0xffff) + b"\xff" * (65535 - 12)) + frame(hdr() + Q))
    check(read_frame(s), FORMERR, qd=0)
    check(read_frame(s), NOERROR, qd=1, aa=True, ancount=1)
    s.close()


def test_tcp_silent_frames_keep_connection(srv):
    """Frames that get no reply (short header, QR set) do not break the
    stream: the next query on it is answered."""
    s = tcp_connect(srv)
    s.sendall(frame(b"\x01\x02\x03") + frame(hdr(flags=0x8100) + Q) + frame(hdr() + Q))
    check(read_frame(s), NOERROR, qd=1, aa=True, ancount=1)
    s.close()


def test_tcp_pipelined_malformed_mix(srv):
    s = tcp_connect(srv)
    msgs = [hdr() + b"\xc0\x0c\x00\x01\x00\x01", hdr(qd=2) + Q + Q,
            hdr(ar=2) + Q + OPT + OPT, hdr() + Q]
    s.sendall(b"".join(frame(m) for m in msgs))
    check(read_frame(s), FORMERR, qd=0)
    check(read_frame(s), FORMERR, qd=0)
    check(read_frame(s), FORMERR, qd=1)
    check(read_frame(s), NOERROR, qd=1, aa=True, ancount=1)
    s.close()


def test_tcp_slowloris_byte_by_byte_is_answered(srv):
    s = tcp_connect(srv)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for b in frame(hdr() + Q):
        s.send(bytes([b]))
        time.sleep(0.01)
    check(read_frame(s), NOERROR, qd=1, aa=True, ancount=1)
    s.close()


def test_tcp_unfinished_frame_closed_by_idle_timeout(srv):
    s = tcp_connect(srv)
    s.sendall(b"\x00\x40" + (hdr() + Q)[:10])    # promises 64 bytes, sends 10
    assert_alive(srv)                             # others are served meanwhile
    t0 = time.monotonic()
    assert closed_within(s, 4.0)
    assert time.monotonic() - t0 < 3.5           # idle timeout is 1 s
    s.close()


def test_tcp_silent_client_closed_by_idle_timeout(srv):
    s = tcp_connect(srv)
    assert closed_within(s, 4.0)
    s.close()
    assert_alive(srv)


def test_tcp_client_that_never_reads(srv):
    """A client pipelines far more queries than it reads: the server stops
    reading it, keeps serving others, and drops it after the idle timeout
    instead of buffering without bound."""
    s = tcp_connect(srv, rcvbuf=4096)
    q = frame(hdr() + question("1.1.1.10." + ZONE, qtype=255))
    batch = q * 1000
    sent = 0
    s.settimeout(0.2)
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        try:
            sent += s.send(batch)
        except socket.timeout:
            break                                 # the server stopped reading
        except (ConnectionResetError, BrokenPipeError):
            break
    nqueries = sent // len(q)
    assert nqueries > 1000                        # enough to fill the buffers
    assert_alive(srv)
    time.sleep(2.5)                               # > idle timeout (1 s)
    # Read whatever is left: the server must have given up on this client,
    # so far fewer replies than queries arrive before EOF.
    got = 0
    s.settimeout(3.0)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += len(chunk)
    except (ConnectionResetError, socket.timeout):
        pass
    rlen = 2 + 12 + len(question("1.1.1.10." + ZONE))
    assert got // rlen < nqueries
    s.close()
    assert_alive(srv)


def test_tcp_connections_past_the_cap(srv):
    """tcp-max-clients 8: 30 connections, the ones past the cap are closed
    at once, UDP keeps working, and the slots free up afterwards."""
    conns = [tcp_connect(srv) for _ in range(30)]
    time.sleep(0.3)
    assert srv.query(LISTED, "A").answer[0][0].address == "127.0.0.3"
    closed = sum(1 for c in conns if closed_within(c, 0.3))
    assert closed >= 30 - 8
    for c in conns:
        c.close()
    time.sleep(0.3)
    assert_alive(srv)
    more = [tcp_connect(srv) for _ in range(8)]
    for c in more:
        c.sendall(frame(hdr() + Q))
        check(read_frame(c), NOERROR, qd=1, aa=True, ancount=1)
        c.close()


def test_server_still_running(srv):
    assert srv.proc.poll() is None
    assert_alive(srv)
