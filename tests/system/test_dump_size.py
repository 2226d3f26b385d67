"""test_dump_size.py -- the rendered zone's size stays near the minimal
octet/nibble-aligned expansion, and it answers exactly as dnsxld does.

A seeded fixture of a few hundred nested IPv4 prefixes (/16../32, a few
codes, a few exclusions, a few per-address $ TXT) and some IPv6 prefixes is
dumped with `dnsxl dump`; the record count is bounded by a reference
expansion computed here (bench/gendata.py's zone4 algorithm: one name or
wildcard per aligned block, a covering prefix's wildcard repeated under
every node that holds a longer one), and the zone, read by dnspython and
looked up with RFC 4592 wildcard rules, must give dnsxld's own answer (rcode,
A, TXT) for random names: listed, unlisted, prefix edges, IPv4-mapped and
6to4 forms, IPv6.
"""
import ipaddress
import random
import subprocess

import dns.name
import dns.rcode
import dns.rdatatype
import dns.zone

from conftest import BUILD

ZONE = "bl.size.example"
SEED = 5782


def make_data(rng):
    """(ip4 text, ip6 text, [(net, plen, excluded, dollar)], [ip6 nets])."""
    v4 = []
    tops = [(10, 20), (10, 21), (2, 7), (77, 1), (1, 255)]     # nesting
    lens = [16, 20, 22, 23, 24, 24, 24, 25, 26, 28, 30, 32, 32, 32, 32, 32]
    lines = [":2:Listed\n"]
    seen = set()
    while len(v4) < 300:
        a, b = rng.choice(tops)
        plen = rng.choice(lens)
        addr = a << 24 | b << 16 | rng.randrange(1 << 16)
        addr &= ~((1 << (32 - plen)) - 1) & 0xffffffff
        if (addr, plen) in seen:
            continue
        seen.add((addr, plen))
        excl = plen >= 28 and rng.random() < 0.08
        dollar = plen >= 30 and not excl and rng.random() < 0.1
        val = ""
        if dollar:
            val = " :3:Host $"
        elif rng.random() < 0.15:
            val = " :%d:Code %d" % (rng.randrange(4, 8), len(v4))
        lines.append("%s%s/%d%s\n" % ("!" if excl else "",
                                      ipaddress.IPv4Address(addr), plen, val))
        v4.append((addr, plen, excl, dollar))
    v6, l6 = [], [":2:Six\n"]
    while len(v6) < 25:
        i = len(v6)
        plen = rng.choice([40, 48, 56, 64, 128])
        a = 0x20010db8 << 96 | rng.randrange(1 << 20) << 76 | \
            rng.randrange(1 << 12)
        a &= ~((1 << (128 - plen)) - 1) & ((1 << 128) - 1)
        if (a, plen) in v6:
            continue
        v6.append((a, plen))
        l6.append("%s/%d%s\n" % (ipaddress.IPv6Address(a), plen,
                                 " :5:S%d" % i if i % 4 == 0 else ""))
    return "".join(lines), "".join(l6), v4, v6


def reference_names(v4):
    """Names (wildcards and hosts) of an exact octet-aligned expansion of the
    IPv4 prefixes (not excluded, not $): the zone4 algorithm of
    bench/gendata.py, counted rather than written."""
    pfx = sorted((a, p) for a, p, excl, dollar in v4 if not excl and not dollar)
    count = 0
    stack, last = [], {}

    def emit(e):
        net, plen, up, holes = e[:4]
        n = 0
        for i in range(1 << (up - plen)):
            a = net | (i << (32 - up))
            if not any(h0 <= a <= h1 for h0, h1 in holes):
                n += 1
        return n

    for net, plen in pfx:
        end = net | ((1 << (32 - plen)) - 1)
        while stack and not (stack[-1][0] <= net and end <= stack[-1][4]):
            count += emit(stack.pop())
        up = -(-plen // 8) * 8
        for e in stack:
            if e[2] == up:
                e[3].append((net, end))
        for lvl in range(8, up, 8):
            cover = None
            for e in reversed(stack):
                if e[1] <= lvl:
                    cover = e
                    break
            if cover is None or cover[2] == lvl:
                continue
            node = net >> (32 - lvl)
            if last.get(lvl) == node:
                continue
            last[lvl] = node
            count += 1
        stack.append([net, plen, up, [], end])
    while stack:
        count += emit(stack.pop())
    return count


def rev4(a):
    return ".".join(str(a >> s & 255) for s in (0, 8, 16, 24))


def rev6(a):
    return ".".join("%x" % (a >> (4 * i) & 15) for i in range(32))


class ZoneFile:
    """A zone file read by dnspython, answered with RFC 4592 wildcards."""

    def __init__(self, text):
        self.z = dns.zone.from_text(text, origin=ZONE, relativize=False,
                                    check_origin=False)   # no NS: no $NS
        self.exists = set()
        origin = dns.name.from_text(ZONE)
        for name in self.z.nodes:
            n = name
            while n != origin and n.is_subdomain(origin):
                self.exists.add(n)
                n = n.parent()
        self.exists.add(origin)

    def records(self, node, rdtype):
        rds = node.get_rdataset(dns.rdataclass.IN, rdtype)
        return sorted((rds.ttl, rd.to_text()) for rd in rds) if rds else []

    def answer(self, qname):
        """(rcode, A records, TXT records) as dnsxld would answer."""
        name = dns.name.from_text(qname)
        node = None
        if name in self.exists:
            node = self.z.nodes.get(name)
            if node is None:
                return dns.rcode.NOERROR, [], []      # empty non-terminal
        else:
            p = name.parent()
            while p not in self.exists:
                p = p.parent()
            node = self.z.nodes.get(dns.name.Name((b"*",) + p.labels))
            if node is None:
                return dns.rcode.NXDOMAIN, [], []
        return (dns.rcode.NOERROR, self.records(node, dns.rdatatype.A),
                self.records(node, dns.rdatatype.TXT))


def server_answer(srv, qname):
    out = []
    for t in ("A", "TXT"):
        r = srv.query(qname, t)
        recs = []
        for rrset in r.answer:
            recs += [(rrset.ttl, rd.to_text()) for rd in rrset]
        out.append((r.rcode(), sorted(recs)))
    assert out[0][0] == out[1][0], qname
    return out[0][0], out[0][1], out[1][1]


def test_dump_size_and_exactness(tmp_path, dnsxld_server):
    rng = random.Random(SEED)
    d4, d6, v4, v6 = make_data(rng)
    (tmp_path / "d4").write_text(d4)
    (tmp_path / "d6").write_text(d6)
    specs = [f"{ZONE}:ip4trie:{tmp_path / 'd4'}",
             f"{ZONE}:ip6trie:{tmp_path / 'd6'}"]
    r = subprocess.run([str(BUILD / "dnsxl"), "dump"] + specs,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    zf = ZoneFile(r.stdout)
    nrec = sum(len(rds) for node in zf.z.nodes.values() for rds in node)

    # Size. Each IPv4 name has A and TXT and is rendered three times (IPv4,
    # IPv4-mapped, 6to4 nibbles); a $ address is one name per address and
    # family (IPv4, mapped: A and TXT each); 6to4 $ is 0.0.0.0, a wildcard.
    ref = reference_names(v4)
    dollar = sum(4 << (32 - p) for a, p, excl, dl in v4 if dl)
    bound = 3 * 2 * ref + dollar + 4 * 2 * len(v6) + 200
    assert nrec <= bound, (nrec, ref, dollar, bound)
    # ... and not trivially small: every IPv4 block is there
    assert nrec >= 2 * ref, (nrec, ref)

    # Exactness against the server.
    srv = dnsxld_server(specs)
    names = []
    for a, p, excl, dl in v4:
        end = a | ((1 << (32 - p)) - 1)
        for x in (a, end, a - 1, end + 1, rng.randrange(a, end + 1)):
            x &= 0xffffffff
            names.append(rev4(x))
            if rng.random() < 0.3:
                names.append(rev6(0xffff << 32 | x))
            if rng.random() < 0.3:
                names.append(rev6(0x2002 << 112 | x << 80 |
                                  rng.randrange(1 << 80)))
    for a, p in v6:
        span = (1 << (128 - p)) - 1
        for x in (a, a | span, a - 1, (a | span) + 1,
                  a | rng.randrange(span + 1)):
            names.append(rev6(x & ((1 << 128) - 1)))
    for _ in range(100):                # unlisted, anywhere
        names.append(rev4(rng.randrange(1 << 32)))
        names.append(rev6(0xffff << 32 | rng.randrange(1 << 32)))
    bad = []
    for n in names:
        q = f"{n}.{ZONE}."
        want = server_answer(srv, q)
        got = zf.answer(q)
        if got != want:
            bad.append((q, got, want))
    assert not bad, (len(bad), len(names), bad[:5])
    assert len(names) > 1500
