"""dnsxld answers over UDP and TCP, IPv4 and IPv6: the query path end to end.

Each behaviour runs on the four transports (udp/tcp x 127.0.0.1/::1).
"""
import socket
import struct

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

ZONE = "bl.example.org"
SOA_LINE = "$SOA 3600 ns.example.org. hostmaster.example.org. 42 7200 900 604800 600\n"
NS_LINE = "$NS 3600 ns1.example.org.\n"

TRANSPORTS = [("udp", "127.0.0.1"), ("tcp", "127.0.0.1"), ("udp", "::1"), ("tcp", "::1")]
IDS = ["udp4", "tcp4", "udp6", "tcp6"]


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return name


@pytest.fixture
def zone_files(tmp_path):
    write(tmp_path, "main.ip4", SOA_LINE + NS_LINE +
          ":127.0.0.3:Listed $ in main\n"
          "40.78.242.5\n"
          "40.78.242.6 :127.0.0.4:\n"
          "2.242.78.40\n")
    write(tmp_path, "second.ip4", ":127.0.0.3:Listed $ in second\n40.78.242.5\n")
    write(tmp_path, "main.ip6", ":127.0.0.5:Six\n2001:db8:0:0\n")
    for i in range(3):
        write(tmp_path, f"big{i}.ip4", f"40.78.242.7 :127.0.0.3:{chr(97 + i) * 250}\n")
    return tmp_path


def specs(big=False):
    s = [f"{ZONE}:ip4set:main.ip4", f"{ZONE}:ip4set:second.ip4", f"{ZONE}:ip6tset:main.ip6"]
    if big:
        s += [f"{ZONE}:ip4set:big{i}.ip4" for i in range(3)]
    return s


@pytest.fixture
def server(dnsxld_server, zone_files):
    return dnsxld_server(specs())


def ask(srv, name, rdtype, proto, host, **kw):
    return srv.query(name, rdtype, tcp=(proto == "tcp"), host=host, **kw)


def rrset(msg, section, rdtype):
    for rr in getattr(msg, section):
        if rr.rdtype == dns.rdatatype.from_text(rdtype):
            return rr
    return None


def texts(rr):
    return sorted(b"".join(r.strings).decode() for r in rr)


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_listed_a_deduplicated(server, proto, host):
    r = ask(server, "5.242.78.40." + ZONE, "A", proto, host)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    a = rrset(r, "answer", "A")
    assert sorted(x.address for x in a) == ["127.0.0.3"]
    assert a.ttl == 2100
    ns = rrset(r, "authority", "NS")
    assert [x.target.to_text() for x in ns] == ["ns1.example.org."]


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_listed_txt_and_any(server, proto, host):
    r = ask(server, "5.242.78.40." + ZONE, "TXT", proto, host)
    assert texts(rrset(r, "answer", "TXT")) == [
        "Listed 40.78.242.5 in main", "Listed 40.78.242.5 in second"]
    r = ask(server, "5.242.78.40." + ZONE, "ANY", proto, host)
    assert [x.address for x in rrset(r, "answer", "A")] == ["127.0.0.3"]
    assert len(rrset(r, "answer", "TXT")) == 2
    assert len(r.answer) == 2


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_0x20_case_preserved(server, proto, host):
    name = "5.242.78.40.bL.ExAmPlE.oRg."
    r = ask(server, name, "A", proto, host)
    assert r.question[0].name.to_text() == name
    assert r.answer[0].name.to_text() == name
    # dnspython compares case-insensitively; check the bytes too
    wire = r.to_wire()
    assert b"\x02bL\x07ExAmPlE\x03oRg" in wire


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_not_listed_nxdomain(server, proto, host):
    r = ask(server, "1.242.78.40." + ZONE, "A", proto, host)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.flags & dns.flags.AA
    assert r.answer == []
    soa = rrset(r, "authority", "SOA")
    assert soa.name.to_text() == ZONE + "."
    assert soa.ttl == 600                    # min(SOA TTL, minimum)
    assert soa[0].serial == 42


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
@pytest.mark.parametrize("name,rdtype", [
    ("78.40." + ZONE, "A"),                  # empty non-terminal
    ("242.78.40." + ZONE, "TXT"),
    ("5.242.78.40." + ZONE, "AAAA"),         # other type at a listed name
    ("6.242.78.40." + ZONE, "TXT"),          # listed without TXT
    (ZONE, "A"),                             # apex, a type it lacks
    (ZONE, "TXT"),
])
def test_nodata(server, proto, host, name, rdtype):
    r = ask(server, name, rdtype, proto, host)
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    assert r.answer == []
    soa = rrset(r, "authority", "SOA")
    assert soa.ttl == 600


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_apex_soa_and_ns(server, proto, host):
    r = ask(server, ZONE, "SOA", proto, host)
    soa = rrset(r, "answer", "SOA")
    assert soa.ttl == 3600
    assert soa[0].mname.to_text() == "ns.example.org."
    assert soa[0].rname.to_text() == "hostmaster.example.org."
    assert (soa[0].serial, soa[0].refresh, soa[0].retry, soa[0].expire,
            soa[0].minimum) == (42, 7200, 900, 604800, 600)
    r = ask(server, ZONE, "NS", proto, host)
    assert [x.target.to_text() for x in rrset(r, "answer", "NS")] == ["ns1.example.org."]
    assert r.authority == []


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_minimal_responses(dnsxld_server, zone_files, proto, host):
    srv = dnsxld_server(specs(), extra=["-a"])
    r = ask(srv, "5.242.78.40." + ZONE, "A", proto, host)
    assert len(r.answer) == 1
    assert r.authority == []


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_ipv6_names(server, proto, host):
    six = "1." + "0." * 23 + "8.b.d.0.1.0.0.2." + ZONE
    r = ask(server, six, "A", proto, host)
    assert [x.address for x in rrset(r, "answer", "A")] == ["127.0.0.5"]
    r = ask(server, "0." + six, "A", proto, host)       # 33 labels
    assert r.rcode() == dns.rcode.NXDOMAIN
    r = ask(server, "g" + six[1:], "A", proto, host)    # not a nibble
    assert r.rcode() == dns.rcode.NXDOMAIN


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_refused_and_notimp(server, proto, host):
    r = ask(server, "5.242.78.40.example.com", "A", proto, host)
    assert r.rcode() == dns.rcode.REFUSED
    assert not r.flags & dns.flags.AA
    r = ask(server, "5.242.78.40." + ZONE, "A", proto, host, rdclass="HS")
    assert r.rcode() == dns.rcode.REFUSED
    q = dns.message.make_query(ZONE, "SOA")
    q.set_opcode(dns.opcode.STATUS)
    r = (dns.query.tcp if proto == "tcp" else dns.query.udp)(
        q, host, port=server.port, timeout=2)
    assert r.rcode() == dns.rcode.NOTIMP
    assert r.opcode() == dns.opcode.STATUS


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_chaos(dnsxld_server, zone_files, proto, host):
    srv = dnsxld_server(specs())
    r = ask(srv, "version.bind", "TXT", proto, host, rdclass="CH")
    assert r.rcode() == dns.rcode.NOERROR
    assert texts(r.answer[0])[0].startswith("dnsxld ")
    assert r.answer[0].rdclass == dns.rdataclass.CH
    r = ask(srv, "version.server", "TXT", proto, host, rdclass="CH")
    assert texts(r.answer[0])[0].startswith("dnsxld ")
    r = ask(srv, "id.server", "TXT", proto, host, rdclass="CH")
    assert r.rcode() == dns.rcode.REFUSED          # identity off by default
    r = ask(srv, "hostname.bind", "TXT", proto, host, rdclass="CH")
    assert r.rcode() == dns.rcode.REFUSED
    srv1 = dnsxld_server(specs(), extra=["-v"])
    r = ask(srv1, "version.bind", "TXT", proto, host, rdclass="CH")
    assert texts(r.answer[0]) == ["dnsxld"]
    srv2 = dnsxld_server(specs(), extra=["-v", "-v"])
    r = ask(srv2, "version.bind", "TXT", proto, host, rdclass="CH")
    assert r.rcode() == dns.rcode.REFUSED


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_edns(server, proto, host):
    r = ask(server, "5.242.78.40." + ZONE, "A", proto, host, use_edns=0, payload=4096)
    assert r.edns == 0
    assert r.payload == 1232
    r = ask(server, "5.242.78.40." + ZONE, "A", proto, host, want_dnssec=True)
    assert r.ednsflags & dns.flags.DO
    r = ask(server, "5.242.78.40." + ZONE, "A", proto, host)
    assert r.edns == -1
    q = dns.message.make_query(ZONE, "SOA")
    q.use_edns(edns=1)
    r = (dns.query.tcp if proto == "tcp" else dns.query.udp)(
        q, host, port=server.port, timeout=2)
    assert r.rcode() == dns.rcode.BADVERS
    assert r.edns == 0
    assert r.answer == []


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_truncation_then_tcp(dnsxld_server, zone_files, host):
    srv = dnsxld_server(specs(big=True))
    name = "7.242.78.40." + ZONE
    r = srv.query(name, "TXT", host=host)                      # 512, no EDNS
    assert r.flags & dns.flags.TC
    assert r.answer == []
    r = srv.query(name, "TXT", host=host, use_edns=0, payload=600)
    assert r.flags & dns.flags.TC
    assert r.edns == 0
    r = srv.query(name, "TXT", host=host, use_edns=0, payload=4096)   # capped 1232
    assert not r.flags & dns.flags.TC
    assert len(rrset(r, "answer", "TXT")) == 3
    r = srv.query(name, "TXT", host=host, tcp=True)
    assert not r.flags & dns.flags.TC
    assert texts(rrset(r, "answer", "TXT")) == [c * 250 for c in "abc"]


def raw_udp(srv, host, payload, timeout=0.5):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, (host, srv.port))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


def raw_tcp(srv, host, payloads, timeout=2.0, nreplies=None):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect((host, srv.port))
        s.sendall(b"".join(struct.pack("!H", len(p)) + p for p in payloads))
        out = []
        buf = b""
        want = len(payloads) if nreplies is None else nreplies
        while len(out) < want:
            try:
                chunk = s.recv(65535)
            except socket.timeout:
                break
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                out.append(buf[2:2 + n])
                buf = buf[2 + n:]
        return out


def query_wire(name, rdtype="A", qid=0x4242, **kw):
    q = dns.message.make_query(name, rdtype, **kw)
    q.id = qid
    return q.to_wire()


def send_raw(srv, proto, host, payload):
    if proto == "udp":
        return raw_udp(srv, host, payload)
    out = raw_tcp(srv, host, [payload], timeout=0.5)
    return out[0] if out else None


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_malformed(server, proto, host):
    good = query_wire("5.242.78.40." + ZONE)
    # QR set: dropped
    bad = bytearray(good)
    bad[2] |= 0x80
    assert send_raw(server, proto, host, bytes(bad)) is None
    # short header: silence
    assert send_raw(server, proto, host, good[:7]) is None
    # QDCOUNT 2: FORMERR, header only
    bad = bytearray(good)
    bad[5] = 2
    r = send_raw(server, proto, host, bytes(bad))
    assert r[:2] == b"\x42\x42" and r[3] & 0x0F == 1 and len(r) == 12
    # truncated question: FORMERR
    r = send_raw(server, proto, host, good[:20])
    assert r[3] & 0x0F == 1
    # compression pointer looping on itself in the question: FORMERR
    loop = good[:12] + b"\xc0\x0c\x00\x01\x00\x01"
    r = send_raw(server, proto, host, loop)
    assert r[3] & 0x0F == 1
    # two OPT records: FORMERR without OPT
    q = dns.message.make_query(ZONE, "SOA", use_edns=0)
    q.id = 0x4242
    w = bytearray(q.to_wire())
    w += w[-11:]
    w[11] = 2
    r = send_raw(server, proto, host, bytes(w))
    assert r[3] & 0x0F == 1
    assert r[10:12] == b"\x00\x00"
    # the server is still answering
    r = ask(server, "5.242.78.40." + ZONE, "A", proto, host)
    assert r.rcode() == dns.rcode.NOERROR


@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_tcp_pipelining(server, host):
    names = ["5.242.78.40." + ZONE, "1.242.78.40." + ZONE, ZONE]
    wires = [query_wire(n, "A", qid=100 + i) for i, n in enumerate(names)]
    replies = raw_tcp(server, host, wires)
    assert len(replies) == 3
    msgs = [dns.message.from_wire(r) for r in replies]
    assert [m.id for m in msgs] == [100, 101, 102]
    assert [m.rcode() for m in msgs] == [dns.rcode.NOERROR, dns.rcode.NXDOMAIN,
                                         dns.rcode.NOERROR]


@pytest.mark.parametrize("proto,host", TRANSPORTS, ids=IDS)
def test_generic_records(dnsxld_server, zone_files, proto, host):
    write(zone_files, "gen.txt", '@ 3600 MX 10 mail.example.org\n'
          'www A 192.0.2.1\nwww A 127.0.0.3\nwww TXT "hello world"\ntxt.x TXT hello\n')
    srv = dnsxld_server(specs() + [f"{ZONE}:generic:gen.txt"])
    r = ask(srv, ZONE, "MX", proto, host)
    mx = rrset(r, "answer", "MX")
    assert (mx.ttl, mx[0].preference, mx[0].exchange.to_text()) == (3600, 10, "mail.example.org.")
    r = ask(srv, "www." + ZONE, "ANY", proto, host)
    assert sorted(x.address for x in rrset(r, "answer", "A")) == ["127.0.0.3", "192.0.2.1"]
    assert texts(rrset(r, "answer", "TXT")) == ["hello world"]
    r = ask(srv, "x." + ZONE, "A", proto, host)           # empty non-terminal
    assert (r.rcode(), r.answer) == (dns.rcode.NOERROR, [])
    r = ask(srv, "y." + ZONE, "A", proto, host)
    assert r.rcode() == dns.rcode.NXDOMAIN
