#!/usr/bin/python3
"""gendata.py -- seeded benchmark inputs: rbldnsd ip4trie/ip6trie data and query files.

    gendata.py ip4 COUNT DATAFILE [--queries QFILE] [--nqueries N] [--seed S] [--zone Z]
    gendata.py ip6 COUNT DATAFILE ...
    gendata.py zone4|zone6 0 DATAFILE --zonefile ZFILE [--zone Z]
    (--probe PFILE writes one listed query, for start-up readiness probes)

The same arguments always give the same bytes (random.Random(seed)), so
nothing big is committed and two runs measure the same thing.

Listed prefixes live in one half of the address space and "not listed"
queries are drawn from the other half, so exactly half the queries in QFILE
hit a prefix (NOERROR) and half miss (NXDOMAIN), without any lookup here:
  IPv4: listed first octet 1..126, not listed 128..223
  IPv6: listed 2000::/4, not listed 3000::/4
Query files are dnsperf format ("name A" per line), shuffled.

zone4/zone6 turn such a data file into a BIND zone with the same A answers,
for NSD (a stand-in until `dnsxld -d` dumps zones). Prefixes are cut at
octet (nibble) boundaries; a covering prefix's wildcard is repeated below
every node that holds a longer one, since a wildcard does not reach past an
existing name (RFC 4592), so the longest prefix still wins.
"""
import argparse
import array
import ipaddress
import math
import random
import sys

# Prefix-length mix, (length, weight): single hosts dominate real DNSxL feeds,
# with provider ranges of every length around them.
IP4_LENGTHS = [(32, 50), (24, 20), (16, 3), (20, 5), (22, 6), (23, 4),
               (25, 3), (26, 3), (27, 2), (28, 2), (29, 1), (30, 1)]
IP6_LENGTHS = [(32, 10), (40, 5), (48, 35), (56, 15), (64, 30), (128, 5)]

HEADER = ":127.0.0.2:Listed, see https://bench.example/lookup?$\n"
# One line in 8 carries its own value, as feeds with several codes do.
VALUES = [" :127.0.0.%d:" % c for c in (3, 4, 5, 6, 7, 8, 9, 10)]


def lengths_table(mix):
    table = []
    for length, weight in mix:
        table.extend([length] * weight)
    return table


class Distinct:
    """Hands out distinct network numbers per prefix length: j -> (a*j + b) mod N
    with gcd(a, N) = 1 is a permutation, so no prefix is listed twice (rbldnsd
    warns about duplicates) and no set of millions of prefixes is kept."""

    def __init__(self, rng, space):
        self.space = space
        self.cap = space // 4           # stay sparse; beyond, lengths fall back
        self.b = rng.randrange(space)
        a = rng.randrange(space // 3, space) | 1
        while math.gcd(a, space) != 1:
            a += 2
        self.a = a % space or 1
        self.j = 0

    def next(self):
        if self.j >= self.cap:
            return None
        self.j += 1
        return (self.a * self.j + self.b) % self.space


def gen_ip4(rng, count, out):
    table = lengths_table(IP4_LENGTHS)
    # listed first octet 1..126: 126 << (plen - 8) networks of each length
    dist = {plen: Distinct(rng, 126 << (plen - 8)) for plen, _ in IP4_LENGTHS}
    nets = array.array("I")
    lens = array.array("B")
    buf = [HEADER]
    for i in range(count):
        plen = table[rng.randrange(len(table))]
        net = dist[plen].next()
        if net is None:
            plen = 32
            net = dist[32].next()
        addr = (net + (1 << (plen - 8))) << (32 - plen)
        nets.append(addr)
        lens.append(plen)
        a = "%d.%d.%d.%d" % (addr >> 24, (addr >> 16) & 255, (addr >> 8) & 255, addr & 255)
        line = a if plen == 32 else "%s/%d" % (a, plen)
        if rng.getrandbits(3) == 0:
            line += VALUES[rng.getrandbits(3)]
        buf.append(line + "\n")
        if len(buf) >= 65536:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))
    return nets, lens


def ip4_qname(addr, zone):
    return "%d.%d.%d.%d.%s" % (addr & 255, (addr >> 8) & 255, (addr >> 16) & 255,
                               addr >> 24, zone)


def queries_ip4(rng, nets, lens, n, zone):
    out = []
    for _ in range(n // 2):
        i = rng.randrange(len(nets))
        host = rng.getrandbits(32 - lens[i]) if lens[i] < 32 else 0
        out.append(ip4_qname(nets[i] | host, zone))
    for _ in range(n - n // 2):
        out.append(ip4_qname((rng.randrange(128, 224) << 24) | rng.getrandbits(24), zone))
    return out


def gen_ip6(rng, count, out):
    table = lengths_table(IP6_LENGTHS)
    # listed 2000::/4: 1 << (plen - 4) networks of each length
    dist = {plen: Distinct(rng, 1 << (plen - 4)) for plen, _ in IP6_LENGTHS}
    nets = []
    lens = array.array("B")
    buf = [HEADER]
    for _ in range(count):
        plen = table[rng.randrange(len(table))]
        net = dist[plen].next()
        addr = ((0x2 << (plen - 4)) | net) << (128 - plen)
        nets.append(addr)
        lens.append(plen)
        a = ipaddress.IPv6Address(addr).compressed
        line = a if plen == 128 else "%s/%d" % (a, plen)
        if rng.getrandbits(3) == 0:
            line += VALUES[rng.getrandbits(3)]
        buf.append(line + "\n")
        if len(buf) >= 65536:
            out.write("".join(buf))
            buf = []
    out.write("".join(buf))
    return nets, lens


def ip6_qname(addr, zone):
    nibbles = "%032x" % addr
    return ".".join(reversed(nibbles)) + "." + zone


def queries_ip6(rng, nets, lens, n, zone):
    out = []
    for _ in range(n // 2):
        i = rng.randrange(len(nets))
        out.append(ip6_qname(nets[i] | rng.getrandbits(128 - lens[i]), zone))
    for _ in range(n - n // 2):
        out.append(ip6_qname((0x3 << 124) | rng.getrandbits(124), zone))
    return out


def read_prefixes(path, v6):
    """Yields (int address, length, A or None for the default) per data line."""
    width = 128 if v6 else 32
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line or line[0] in ":$!":
                continue
            parts = line.split()
            net, _, plen = parts[0].partition("/")
            addr = ipaddress.ip_address(net)
            value = None
            if len(parts) > 1 and parts[1].startswith(":"):
                value = parts[1].split(":")[1]
            yield int(addr), int(plen) if plen else width, value


def write_zone(data, zfile, zone, v6):
    """Octet (IPv4) or nibble (IPv6) aligned expansion of an LPM data file.

    One sweep over the prefixes sorted as a trie walk (address, then shorter
    first), with the enclosing prefixes on a stack. A prefix of length l is
    written at its label level up = l rounded up to a label: 2**(up - l)
    wildcards (or host names at full width), less the ranges a longer prefix
    of the same level claims ("holes"). Between an enclosing prefix's level and
    a nested one's, every label node on the way gets the enclosing prefix's
    wildcard again: the nested names make those nodes exist, and a wildcard
    does not reach past an existing name (RFC 4592).
    """
    step, width = (4, 128) if v6 else (8, 32)
    prefixes = sorted((a >> (width - l) << (width - l), l, v)
                      for a, l, v in read_prefixes(data, v6))
    out = open(zfile, "w")
    out.write("$ORIGIN %s.\n$TTL 2100\n" % zone)
    out.write("@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 60\n@ NS ns.%s.\n"
              "ns A 127.0.0.1\n" % (zone, zone, zone))

    def label(addr, plen):
        if v6:
            nib = "%032x" % addr
            return ".".join(reversed(nib[:plen // 4]))
        return ".".join(str((addr >> (24 - 8 * i)) & 255) for i in reversed(range(plen // 8)))

    def emit(entry):        # entry: [net, len, value, up, holes]
        net, plen, value, up, holes = entry
        value = value or "127.0.0.2"
        fmt = "%s A %s\n" if up == width else "*.%s A %s\n"
        for i in range(1 << (up - plen)):
            a = net | (i << (width - up))
            if any(h0 <= a <= h1 for h0, h1 in holes):
                continue
            out.write(fmt % (label(a, up), value))

    stack = []
    last = {}               # label level -> last ancestor node written
    for net, plen, value in prefixes:
        end = net | ((1 << (width - plen)) - 1)
        while stack and not (stack[-1][0] <= net and end <= stack[-1][5]):
            emit(stack.pop()[:5])
        if stack and stack[-1][1] == plen:
            continue        # a duplicate line: rbldnsd keeps the first
        up = -(-plen // step) * step
        for e in stack:     # a longer prefix of the same level is a hole
            if e[3] == up:
                e[4].append((net, end))
        for lvl in range(step, up, step):   # label nodes above this prefix
            cover = None
            for e in reversed(stack):
                if e[1] <= lvl:
                    cover = e
                    break
            if cover is None or cover[3] == lvl:
                continue    # nothing covers it, or the cover writes it
            node = net >> (width - lvl)
            if last.get(lvl) == node:
                continue
            last[lvl] = node
            out.write("*.%s A %s\n" % (label(node << (width - lvl), lvl),
                                       cover[2] or "127.0.0.2"))
        stack.append([net, plen, value, up, [], end])
    while stack:
        emit(stack.pop()[:5])
    out.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("family", choices=("ip4", "ip6", "zone4", "zone6"))
    ap.add_argument("count", type=int, help="number of prefixes")
    ap.add_argument("datafile")
    ap.add_argument("--queries", help="also write a dnsperf query file here")
    ap.add_argument("--probe", help="also write one listed query here (readiness probe)")
    ap.add_argument("--nqueries", type=int, default=100000)
    ap.add_argument("--seed", type=int, default=5782)
    ap.add_argument("--zone", default="bl.bench.example")
    ap.add_argument("--zonefile", help="zone4/zone6: the BIND zone to write")
    args = ap.parse_args()
    if args.family.startswith("zone"):
        if not args.zonefile:
            ap.error("zone4/zone6 need --zonefile")
        write_zone(args.datafile, args.zonefile, args.zone, args.family == "zone6")
        return 0
    if args.count < 1 or args.nqueries < 2:
        ap.error("count and nqueries must be positive")

    rng = random.Random("%s/%d/%d" % (args.family, args.count, args.seed))
    gen = gen_ip4 if args.family == "ip4" else gen_ip6
    with open(args.datafile, "w") as out:
        nets, lens = gen(rng, args.count, out)
    if args.queries:
        mk = queries_ip4 if args.family == "ip4" else queries_ip6
        names = mk(rng, nets, lens, args.nqueries, args.zone)
        rng.shuffle(names)
        with open(args.queries, "w") as out:
            out.write("".join("%s A\n" % q for q in names))
    if args.probe:
        qname = ip4_qname if args.family == "ip4" else ip6_qname
        with open(args.probe, "w") as out:
            out.write("%s A\n" % qname(nets[0], args.zone))
    return 0


if __name__ == "__main__":
    sys.exit(main())
