"""Seeded random rbldnsd data files in every dataset type, with the queries to ask.

`make_scenario(kind, seed, outdir)` writes the data files of one scenario into
outdir and returns a Scenario: the rbldnsd-style zone specs (zone:type:file,..),
the queries (name, qtype) to send, a model of the listed keys per zone (used to
recognise empty non-terminals), and planted answers computed by hand.
Same kind + seed -> byte-identical files and queries.
"""
import ipaddress
import os
import random

KINDS = ["ip4set", "ip4tset", "ip4trie", "ip6trie", "ip6tset", "dnset",
         "generic", "combined", "multizone"]
PLANTED = ["ip4set", "ip4trie", "ip6trie", "dnset", "generic"]   # kinds with hand-computed answers

WORDS = ["spam", "relay", "proxy", "dialup", "see", "http://bl.ex/q?",
         "listed", "because", "abuse", "contact", "x-y_z", "a:b", "100%",
         "tab\tin", "semi;colon", "hash#mark", "q\"uote", "back\\slash"]

SOA = "$SOA {ttl} ns1.{zone} hostmaster.{zone} {serial} 2h 30m 1w {minttl}"


class ZoneModel:
    """Listed keys of one zone, enough to tell an empty non-terminal."""

    def __init__(self):
        self.ip4 = []     # (lo, hi) of listed (not excluded) entries
        self.ip6 = []     # (lo, hi) as 128-bit ints
        self.names = set()  # relative names (lowercase) that exist or have
                            # something listed below them (wildcard bases)
        self.wild = set()   # bases of dnset wildcards: every name at any
                            # depth below one is listed


class Scenario:
    def __init__(self, kind, seed, outdir):
        self.kind = kind
        self.seed = seed
        self.outdir = outdir
        self.specs = []         # "zone:type:file,file"
        self.queries = []       # (absolute name without dot, qtype)
        self.zones = {}         # zone name -> ZoneModel
        self.no_soa = set()     # zones whose datasets give no $SOA
        self.long_txt = False   # some TXT exceeds 255 bytes
        self.expect = []        # (name, qtype, rcode, [(rrtype, ttl, text)])
        self.files = []

    def zone_model(self, zone):
        return self.zones.setdefault(zone, ZoneModel())

    def write(self, fname, lines):
        path = os.path.join(self.outdir, fname)
        with open(path, "w", encoding="latin-1") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(path, 0o644)
        self.files.append(path)
        return path

    def find_zone(self, name):
        """Longest zone that name is in, and the relative part ('' at apex)."""
        best = None
        for z in self.zones:
            if name == z or name.endswith("." + z):
                if best is None or len(z) > len(best):
                    best = z
        if best is None:
            return None, None
        return best, name[: -len(best)].rstrip(".")

    def maybe_ent(self, name):
        """True when something listed may exist strictly below name (an empty
        non-terminal, where rbldnsd says NXDOMAIN and dnsxld NODATA)."""
        zone, rel = self.find_zone(name.lower())
        if zone is None or rel == "":
            return False
        m = self.zones[zone]
        labels = rel.split(".")
        if all(l.isdigit() and len(l) <= 3 and int(l) < 256 for l in labels) and len(labels) < 4:
            octs = [int(x) for x in reversed(labels)]
            lo = 0
            for o in octs:
                lo = (lo << 8) | o
            lo <<= 8 * (4 - len(octs))
            hi = lo | ((1 << (8 * (4 - len(octs)))) - 1)
            if any(a <= hi and b >= lo for a, b in m.ip4):
                return True
        if all(len(l) == 1 and l in "0123456789abcdef" for l in labels) and len(labels) < 32:
            v = int("".join(reversed(labels)), 16) << (4 * (32 - len(labels)))
            hi = v | ((1 << (4 * (32 - len(labels)))) - 1)
            if any(a <= hi and b >= v for a, b in m.ip6):
                return True
        if any(rel.endswith("." + w) for w in m.wild):
            return True     # x.rel is listed by the wildcard, whatever rel is
        return any(n.endswith("." + rel) for n in m.names)


# --- values: A + TXT templates ----------------------------------------------

def _text(r, dollar=True, vars_ok=True):
    words = [r.choice(WORDS) for _ in range(r.randint(1, 4))]
    if dollar and r.random() < 0.5:
        words.insert(r.randint(0, len(words)), r.choice(["$", "($)", "$/x", "$$", "$$$", "$$$$ $"]))
    if vars_ok and r.random() < 0.3:
        words.insert(r.randint(0, len(words)), "$%d" % r.randint(1, 9))
    return " ".join(words)


def _a(r):
    n = r.randint(2, 30)
    return str(n) if r.random() < 0.5 else "127.0.0.%d" % n


def default_line(r):
    """A default (':A:TXT') line in one of its forms."""
    c = r.randint(0, 5)
    if c == 0:
        return ":%s:" % _a(r)                        # A, no TXT
    if c == 1:
        return ":%s:%s" % (_a(r), _text(r))          # A and TXT
    if c == 2:
        return ":%s" % _a(r)                         # A only
    if c == 3:
        return ":127.0.0.%d:%s" % (r.randint(2, 9), _text(r))
    if c == 4:
        return ":%s:%s" % (_a(r), _text(r, vars_ok=False))
    return ":" + _text(r, dollar=True, vars_ok=False)  # bare TXT (rbldnsd: invalid A)


def entry_value(r, scen, allow_long=True):
    """What follows a key: nothing, a per-entry A/TXT, or a comment."""
    c = r.random()
    if c < 0.35:
        return ""
    if c < 0.45:
        return " :%s" % _a(r)
    if c < 0.52:
        return " :%s:" % _a(r)
    if c < 0.70:
        return " :%s:%s" % (_a(r), _text(r))
    if c < 0.85:
        return " " + _text(r)
    if c < 0.90:
        return " =" + _text(r)
    if c < 0.95:
        return r.choice([" ; a comment", " # comment", "\t;x"])
    if allow_long and r.random() < 0.5:
        scen.long_txt = True
        return " :%s:%s" % (_a(r), ("long-" * 70) + "$")
    return " :%s:%s" % (_a(r), _text(r))


def specials(r, zone, with_soa=True, ttl=True):
    out = []
    if ttl and r.random() < 0.7:
        out.append("$TTL %s" % r.choice(["300", "1h", "10m", "86400", "2d", "45"]))
    if with_soa:
        out.append(SOA.format(ttl=r.choice(["1h", "0", "600", "1d"]), zone=zone,
                              serial=r.choice(["2026112201", "7"]),
                              minttl=r.choice(["1h", "60", "5m"])))
        out.append("$NS %s ns1.%s ns2.%s -ns3.%s" % (r.choice(["1d", "0", "3600"]), zone, zone, zone))
    for i in r.sample(range(1, 10), r.randint(0, 5)):
        out.append("$%d %s" % (i, _text(r, dollar=False, vars_ok=False)))
    return out


def base_template(r):
    return "$= %s [$=] %s" % (r.choice(["Base:", "see http://bl.ex/?"]), r.choice(["($)", "$", "$$ $1", ""]))


# --- IPv4 ---------------------------------------------------------------------

def ip4s(v):
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def _ip4_universe(r):
    a = r.choice([10, 46, 198, 100])  # 203.0.113/24 stays free for planted lines
    return (a << 24) | (r.randint(0, 15) << 16) | (r.randint(0, 31) << 8) | r.randint(0, 255)


def ip4_entry(r, form_set):
    """One key as (text, lo, hi)."""
    v = _ip4_universe(r)
    form = r.choice(form_set)
    if form in ("p16", "suffix2") and r.random() < 0.7:   # keep /16s rare
        form = "host"
    if form == "host":
        return ip4s(v), v, v
    if form == "p24":
        lo = v & ~0xff
        return ip4s(lo).rsplit(".", 1)[0], lo, lo | 0xff
    if form == "p16":
        lo = v & ~0xffff
        return ".".join(ip4s(lo).split(".")[:2]), lo, lo | 0xffff
    if form == "cidr":
        n = r.randint(20, 32) if r.random() < 0.97 else r.randint(12, 19)
        lo = v & ~((1 << (32 - n)) - 1) & 0xffffffff
        hi = lo | ((1 << (32 - n)) - 1)
        txt = ip4s(lo)
        if r.random() < 0.4:   # abbreviated: 10.1/16, 10.1.2/26 (trailing zero octets dropped)
            parts = txt.split(".")
            keep = max(1, (n + 7) // 8)
            if all(p == "0" for p in parts[keep:]):
                txt = ".".join(parts[:keep])
        return "%s/%d" % (txt, n), lo, hi
    if form == "range":
        lo = v
        hi = min(lo + r.randint(0, 700), (lo | 0xffff))
        return "%s-%s" % (ip4s(lo), ip4s(hi)), lo, hi
    if form == "prange":   # 10.1.2-10.1.5 : prefixes, end completed with 255
        lo = v & ~0xff
        hi = (lo + (r.randint(0, 5) << 8)) | 0xff
        return "%s-%s" % (ip4s(lo).rsplit(".", 1)[0], ip4s(hi).rsplit(".", 1)[0]), lo, hi
    if form == "suffix4":  # 10.1.2.3-40
        lo = v
        last = r.randint(v & 255, 255)
        return "%s-%d" % (ip4s(lo), last), lo, (v & ~0xff) | last
    if form == "suffix3":  # 10.16-31 style, on the third octet: 10.1.16-31
        lo = v & ~0xff
        third = (lo >> 8) & 255
        last = r.randint(third, min(255, third + 8))
        return "%s-%d" % (ip4s(lo).rsplit(".", 1)[0], last), lo, (lo & ~0xffff) | (last << 8) | 0xff
    if form == "suffix2":  # 46.1-2 : second octet
        lo = v & ~0xffff
        sec = (lo >> 16) & 255
        last = min(255, sec + r.randint(0, 1))
        return "%s-%d" % (".".join(ip4s(lo).split(".")[:2]), last), lo, (lo & ~0xffffff) | (last << 16) | 0xffff
    raise ValueError(form)


def _excl_inside(r, lo, hi, trie):
    v = r.randint(lo, hi)
    c = r.random()
    if c < 0.6 or hi - lo < 16:
        return ip4s(v), v, v
    n = r.randint(26, 31)
    elo = v & ~((1 << (32 - n)) - 1)
    return "%s/%d" % (ip4s(elo), n), elo, elo | ((1 << (32 - n)) - 1)


def ip4_probe_queries(r, lo, hi, zone, out):
    for v in (lo, hi, lo - 1, hi + 1, r.randint(lo, hi)):
        if 0 <= v < 1 << 32:
            out.append(".".join(reversed(ip4s(v).split("."))) + "." + zone)


def ip4_lines(r, scen, zone, n, forms, trie=False, values=True, excl=True):
    """n entry lines (plus defaults, exclusions) and the query names."""
    m = scen.zone_model(zone)
    lines, names = [], []
    for _ in range(n):
        c = r.random()
        if c < 0.03:
            lines.append(default_line(r))
            continue
        if c < 0.05:
            lines.append(r.choice(["# comment line", "; another", ""]))
            continue
        key, lo, hi = ip4_entry(r, forms)
        lines.append(key + (entry_value(r, scen) if values else ""))
        m.ip4.append((lo, hi))
        ip4_probe_queries(r, lo, hi, zone, names)
        if trie and hi > lo and r.random() < 0.2:    # a nested, longer prefix
            n = r.randint(33 - (hi - lo + 1).bit_length() + 1, 32)
            nlo = r.randint(lo, hi) & ~((1 << (32 - n)) - 1) & 0xffffffff
            nlo = max(nlo, lo)
            lines.append("%s/%d%s" % (ip4s(nlo), n, entry_value(r, scen)))
            ip4_probe_queries(r, nlo, nlo | ((1 << (32 - n)) - 1), zone, names)
        if excl and r.random() < 0.12:
            ek, elo, ehi = _excl_inside(r, lo, hi, trie)
            lines.append("!" + ek + (r.choice(["", " :9:ignored"]) if values else ""))
            ip4_probe_queries(r, elo, ehi, zone, names)
            if trie and r.random() < 0.4 and ehi > elo:   # re-listed inside the exclusion
                v = r.randint(elo, ehi)
                lines.append(ip4s(v) + entry_value(r, scen))
                names.append(".".join(reversed(ip4s(v).split("."))) + "." + zone)
    return lines, names


def ip4_extra_names(r, zone, k):
    """Unlisted, partial, malformed and odd names."""
    out = []
    for _ in range(k):
        v = _ip4_universe(r)
        c = r.random()
        octs = list(reversed(ip4s(v).split(".")))
        if c < 0.5:
            out.append(".".join(octs) + "." + zone)
        elif c < 0.7:
            out.append(".".join(octs[r.randint(1, 3):]) + "." + zone)      # partial: ENT
        elif c < 0.75:
            out.append("1." + ".".join(octs) + "." + zone)               # 5 labels
        elif c < 0.8:
            octs[r.randint(0, 3)] = r.choice(["256", "01", "x", "-1", "1a", "000"])
            out.append(".".join(octs) + "." + zone)
        elif c < 0.85:
            out.append("www." + zone)
        else:
            out.append(".".join(octs).upper() + "." + zone)
    out += [zone, "2.0.0.127." + zone, "1.0.0.127." + zone]
    return out


def _planted_ip4(scen, zone, lines, a=9):
    """Lines whose answers are computed by hand (203.0.113.0/24 is kept free).
    '=' keeps a $= base template (dataset-wide in rbldnsd) out of the way."""
    lines += [":%d:=planted $ ok" % a, "203.0.113.7", "203.0.113.8 :10:=ten $$ $",
              "203.0.113.9 :11:", "!203.0.113.8", "203.0.113.20 :5:=x",
              "!203.0.113.16/28"]
    scen.zone_model(zone).ip4 += [(0xcb007107, 0xcb007109), (0xcb007114, 0xcb007114)]


# --- IPv6 ---------------------------------------------------------------------

def ip6_universe(r):
    base = r.choice([0x20010db8, 0x2a010111, 0x2600aaaa])
    v = (base << 96) | (r.randint(0, 3) << 80) | (r.randint(0, 7) << 64) | r.getrandbits(64)
    if r.random() < 0.3:
        v &= ~((1 << 64) - 1) | 0xff     # sparse low bits: '::' forms
    return v


def ip6_text(r, v, nwords=8):
    """v written with nwords groups (fewer = trailing zeros dropped), maybe '::'."""
    words = ["%x" % ((v >> (112 - 16 * i)) & 0xffff) for i in range(8)]
    if nwords == 8 and r.random() < 0.6:
        return str(ipaddress.IPv6Address(v))  # canonical, with '::' when possible
    if nwords == 8 and r.random() < 0.3:
        return ":".join(w.zfill(4) for w in words)
    return ":".join(words[:nwords])


def rev6(v, nibbles=32):
    h = "%032x" % v
    return ".".join(reversed(h[:nibbles]))


def ip6_lines(r, scen, zone, n, tset=False):
    m = scen.zone_model(zone)
    lines, names = [], []
    for _ in range(n):
        c = r.random()
        if c < 0.03:
            lines.append(default_line(r))
            continue
        v = ip6_universe(r)
        if tset:
            plen = 64
        else:
            plen = r.choice([128, 128, 64, 64, 48, 56, 60, 36, 100, 112, 124])
        lo = v & ~((1 << (128 - plen)) - 1)
        hi = lo | ((1 << (128 - plen)) - 1)
        if tset:
            key = ip6_text(r, lo, 4) if r.random() < 0.8 else ip6_text(r, lo, 4).replace(":0:", "::", 1)
            val = ""
        else:
            if plen % 16 == 0 and plen < 128 and (lo & ((1 << (128 - plen)) - 1)) == 0 and r.random() < 0.4:
                key = ip6_text(r, lo, plen // 16)             # 2001:db8:1:2 (no /len)
            elif plen == 128 and r.random() < 0.5:
                key = ip6_text(r, lo)
            elif r.random() < 0.3 and plen % 16 == 0:
                key = "%s/%d" % (ip6_text(r, lo, plen // 16), plen)   # 2001:db8:c000/36 style
            else:
                key = "%s/%d" % (ip6_text(r, lo), plen)
            val = entry_value(r, scen)
        lines.append(key + val)
        m.ip6.append((lo, hi))
        for q in (lo, hi, lo - 1, hi + 1, r.randint(lo, hi)):
            names.append(rev6(q) + "." + zone)
        if not tset and plen < 120 and r.random() < 0.2:   # a nested, longer prefix
            nplen = r.randint(plen + 1, 128)
            nlo = r.randint(lo, hi) & ~((1 << (128 - nplen)) - 1)
            lines.append("%s/%d%s" % (ip6_text(r, nlo), nplen, entry_value(r, scen)))
            nhi = nlo | ((1 << (128 - nplen)) - 1)
            for q in (nlo, nhi, nlo - 1, nhi + 1):
                names.append(rev6(q) + "." + zone)
        if r.random() < 0.15:     # exclusion: a /128 (tset) or a nested prefix
            ev = r.randint(lo, hi)
            eplen = 128 if tset else r.choice([128, 128, max(plen, 120)])
            elo = ev & ~((1 << (128 - eplen)) - 1)
            ekey = ip6_text(r, elo) if eplen == 128 else "%s/%d" % (ip6_text(r, elo), eplen)
            lines.append("!" + ekey)
            names += [rev6(elo) + "." + zone, rev6(elo + 1) + "." + zone]
            if not tset and eplen < 128 and r.random() < 0.5:
                lines.append(ip6_text(r, elo + 3) + entry_value(r, scen))
                names.append(rev6(elo + 3) + "." + zone)
    return lines, names


def ip6_extra_names(r, zone, k):
    out = []
    for _ in range(k):
        v = ip6_universe(r)
        c = r.random()
        if c < 0.6:
            out.append(rev6(v) + "." + zone)
        elif c < 0.8:
            out.append(rev6(v, r.choice([16, 20, 31, 1])) + "." + zone)
        elif c < 0.85:
            out.append("0." + rev6(v) + "." + zone)
        elif c < 0.9:
            out.append(rev6(v).replace("a", "g") + "." + zone)
        else:
            out.append(rev6(v).upper() + "." + zone)
    # ::ffff:127.0.0.2 and ::1 style names
    out += [rev6(0xffff7f000002) + "." + zone, rev6(1) + "." + zone, zone]
    return out


# --- names -------------------------------------------------------------------

LBL = ["a", "b", "c", "mail", "www", "x1", "bad-guy", "ex"]


def rand_name(r, lo=1, hi=3):
    return ".".join(r.choice(LBL) for _ in range(r.randint(lo, hi))) + "." + r.choice(["com", "net", "org"])


def dnset_lines(r, scen, zone, n):
    m = scen.zone_model(zone)
    lines, names = [], []
    for _ in range(n):
        c = r.random()
        if c < 0.03:
            lines.append(default_line(r))
            continue
        nm = rand_name(r)
        form = r.random()
        if form < 0.5:
            key = nm
        elif form < 0.7:
            key = "*." + nm
        elif form < 0.85:
            key = "." + nm
        else:
            key = "!" + r.choice(["", "", "*.", "."]) + nm
        if r.random() < 0.1:
            key = key.upper()
        lines.append(key + ("" if key.startswith("!") else entry_value(r, scen)))
        if not key.startswith("!"):
            m.names.add(nm.lower())
            if key.startswith((".", "*")):     # names below the base exist
                m.names.add("x." + nm.lower())
                m.wild.add(nm.lower())
        for q in (nm, "z." + nm, "a.b." + nm, nm.split(".", 1)[1], "Q" + nm.upper()):
            names.append(q + "." + zone)
    for _ in range(n // 2):
        names.append(rand_name(r, 1, 4) + "." + zone)
    names += [zone, "com." + zone]
    return lines, names


def generic_lines(r, scen, zone, n, apex=True):
    m = scen.zone_model(zone)
    lines, names = [], []
    owners = ["@"] if apex else []
    for _ in range(n):
        owners.append(".".join(r.choice(LBL) for _ in range(r.randint(1, 3))))
    for o in owners:
        for _ in range(r.randint(1, 3)):
            ttl = r.choice(["", "", "300 ", "1h "])
            t = r.choice(["A", "A", "TXT", "MX"])
            if t == "A":
                val = "127.0.0.%d" % r.randint(1, 254)
            elif t == "TXT":
                val = r.choice(['"%s"', "%s"]) % " ".join(r.choice(["hi", "there", "info", "x=y"]) for _ in range(3))
            else:
                val = "%d mx%d.%s" % (r.choice([0, 10, 20]), r.randint(1, 3), zone)
            lines.append("%s %s%s %s" % (o, ttl, t, val))
        rel = "" if o == "@" else o
        if rel:
            m.names.add(rel)
        full = zone if o == "@" else o + "." + zone
        names += [full, "x." + full]
        if "." in o:
            names.append(o.split(".", 1)[1] + "." + zone)
    return lines, names


# --- scenarios ----------------------------------------------------------------

IP4SET_FORMS = ["host", "host", "host", "p24", "p16", "cidr", "cidr", "range", "prange",
                "suffix4", "suffix3", "suffix2"]
IP4TRIE_FORMS = ["host", "host", "cidr", "cidr", "cidr", "p24"]


def _qtypes(r, names, out, heavy=("A", "TXT")):
    for nm in names:
        c = r.random()
        if c < 0.4:
            t = heavy[0]
        elif c < 0.75:
            t = heavy[1]
        elif c < 0.9:
            t = "ANY"
        else:
            t = r.choice(["MX", "AAAA", "SOA", "NS", "CNAME", "PTR"])
        out.append((nm, t))


def _ip4_scenario(scen, r, dstype, forms, n):
    zone = "%s.bl.test" % dstype
    files = []
    for fi in range(3):                # several files per dataset
        hdr = specials(r, zone, with_soa=(fi == 0))
        if fi == 1 and dstype != "ip4tset":   # dataset-wide; combined/multizone have none
            hdr.append(base_template(r))
        hdr.append(default_line(r))
        body, names = ip4_lines(r, scen, zone, n // 3, forms,
                                trie=(dstype == "ip4trie"),
                                values=(dstype != "ip4tset"),
                                excl=(dstype != "ip4tset"))
        if fi == 0 and dstype != "ip4tset":   # before any $= base template
            _planted_ip4(scen, zone, body)
        files.append(scen.write("%s-%d.txt" % (dstype, fi), hdr + body))
        _qtypes(r, names, scen.queries)
    _qtypes(r, ip4_extra_names(r, zone, n // 2), scen.queries)
    scen.specs.append("%s:%s:%s" % (zone, dstype, ",".join(files)))
    if dstype != "ip4tset":
        q = lambda o: "%d.113.0.203.%s" % (o, zone)
        trie = dstype == "ip4trie"
        scen.expect += [
            (q(7), "A", "NOERROR", [("A", None, "127.0.0.9")]),
            (q(7), "TXT", "NOERROR", [("TXT", None, "planted 203.0.113.7 ok")]),
            (q(9), "A", "NOERROR", [("A", None, "127.0.0.11")]),
            (q(10), "A", "NXDOMAIN", []),
            (q(21), "A", "NXDOMAIN", []),
        ]
        if trie:   # ip4trie: the first line for a prefix wins; longest prefix wins
            scen.expect += [
                (q(8), "ANY", "NOERROR", [("A", None, "127.0.0.10"), ("TXT", None, "ten $ 203.0.113.8")]),
                (q(20), "A", "NOERROR", [("A", None, "127.0.0.5")])]
        else:      # ip4set: an exclusion wins wherever it is
            scen.expect += [(q(8), "A", "NXDOMAIN", []), (q(20), "A", "NXDOMAIN", [])]
        scen.queries += [(nm, t) for nm, t, _, _ in scen.expect]
    else:   # ip4tset: hosts and a default line only
        scen.queries += [("7.113.0.203." + zone, "A")]


def _ip6_scenario(scen, r, dstype, n):
    zone = "%s.bl.test" % dstype
    tset = dstype == "ip6tset"
    files = []
    for fi in range(2):
        hdr = specials(r, zone, with_soa=(fi == 0))
        if fi == 1 and not tset:
            hdr.append(base_template(r))
        hdr.append(default_line(r))
        body, names = ip6_lines(r, scen, zone, n // 2, tset=tset)
        if fi == 0 and not tset:
            body += ["2001:db8:ffff::/48 :5:=v6 $ listed", "!2001:db8:ffff::1",
                     "2001:db8:ffff:1::/64 :6:", "2001:db8:ffff:1::7 :7:=seven"]
            scen.zone_model(zone).ip6.append((0x20010db8ffff << 80, ((0x20010db8ffff + 1) << 80) - 1))
        files.append(scen.write("%s-%d.txt" % (dstype, fi), hdr + body))
        _qtypes(r, names, scen.queries)
    _qtypes(r, ip6_extra_names(r, zone, n // 2), scen.queries)
    scen.specs.append("%s:%s:%s" % (zone, dstype, ",".join(files)))
    if not tset:
        q = lambda v: rev6(v) + "." + zone
        p = 0x20010db8ffff << 80
        scen.expect += [
            (q(p + 5), "ANY", "NOERROR", [("A", None, "127.0.0.5"), ("TXT", None, "v6 2001:db8:ffff::5 listed")]),
            (q(p + 1), "A", "NXDOMAIN", []),
            (q(p | (1 << 64) | 9), "A", "NOERROR", [("A", None, "127.0.0.6")]),
            (q(p | (1 << 64) | 7), "TXT", "NOERROR", [("TXT", None, "seven")]),
            (q(p - 1), "A", "NXDOMAIN", []),
        ]
        scen.queries += [(nm, t) for nm, t, _, _ in scen.expect]


def _dnset_scenario(scen, r, n):
    zone = "dnset.bl.test"
    files = []
    for fi in range(2):
        hdr = specials(r, zone, with_soa=(fi == 0))
        if fi == 1:
            hdr.append(base_template(r))
        hdr.append(default_line(r))
        body, names = dnset_lines(r, scen, zone, n // 2)
        files.append(scen.write("dnset-%d.txt" % fi, hdr + body))
        _qtypes(r, names, scen.queries)
    body = [":7:=planted $ here", "planted.example", "*.wild.example :8:=w $", "!no.wild.example"]
    files.insert(0, scen.write("dnset-planted.txt", body))
    scen.zone_model(zone).names |= {"planted.example", "x.wild.example"}
    scen.zone_model(zone).wild.add("wild.example")
    z = "." + zone
    scen.expect += [
        ("planted.example" + z, "TXT", "NOERROR", [("TXT", None, "planted planted.example here")]),
        ("PLANTED.Example" + z, "A", "NOERROR", [("A", None, "127.0.0.7")]),
        ("a.planted.example" + z, "A", "NXDOMAIN", []),
        ("b.wild.example" + z, "TXT", "NOERROR", [("TXT", None, "w wild.example")]),
        ("no.wild.example" + z, "A", "NXDOMAIN", []),
    ]
    scen.queries += [(nm, t) for nm, t, _, _ in scen.expect]
    scen.specs.append("%s:dnset:%s" % (zone, ",".join(files)))


def _generic_scenario(scen, r, n):
    zone = "generic.bl.test"
    hdr = specials(r, zone)
    body, names = generic_lines(r, scen, zone, n)
    body += ["planted 600 A 127.0.0.42", "planted TXT some text", "planted MX 5 mx.example.net"]
    scen.zone_model(zone).names.add("planted")
    f = scen.write("generic.txt", hdr + body)
    scen.specs.append("%s:generic:%s" % (zone, f))
    _qtypes(r, names, scen.queries, heavy=("A", "TXT"))
    _qtypes(r, names, scen.queries, heavy=("MX", "ANY"))
    z = "planted." + zone
    scen.expect += [
        (z, "A", "NOERROR", [("A", 600, "127.0.0.42")]),
        (z, "MX", "NOERROR", [("MX", None, "5 mx.example.net.")]),
        (z, "AAAA", "NOERROR", []),
        ("x." + z, "A", "NXDOMAIN", []),
    ]
    scen.queries += [(nm, t) for nm, t, _, _ in scen.expect]


def _combined_scenario(scen, r, n):
    base = "combined.bl.test"
    lines = specials(r, base)
    subs = {"ip4set": ["proxies", "@"], "ip4trie": ["nets", "@"], "dnset": ["names"],
            "ip6trie": ["v6", "@"], "generic": ["proxies", "nets", "names", "@"],
            "ip4tset": ["hosts"]}
    for t, zs in subs.items():
        lines.append("$DATASET %s%s %s" % (t, r.choice(["", ":" + t + "-name"]), " ".join(zs)))
        if r.random() < 0.5:
            lines.append("$TTL %s" % r.choice(["120", "5m"]))
        lines += ["$%d sub %s" % (r.randint(1, 9), t), default_line(r)]
        full = base if zs[0] == "@" else zs[0] + "." + base
        if t in ("ip4set", "ip4trie", "ip4tset"):
            forms = {"ip4set": IP4SET_FORMS, "ip4trie": IP4TRIE_FORMS, "ip4tset": ["host"]}[t]
            body, names = ip4_lines(r, scen, full, n // 8, forms, trie=(t == "ip4trie"),
                                    values=(t != "ip4tset"), excl=(t != "ip4tset"))
            names += ip4_extra_names(r, full, n // 16)
        elif t == "dnset":
            body, names = dnset_lines(r, scen, full, n // 8)
        elif t == "ip6trie":
            body, names = ip6_lines(r, scen, full, n // 8)
            names += ip6_extra_names(r, full, n // 16)
        else:
            body, names = generic_lines(r, scen, full, 6, apex=True)
        lines += body
        _qtypes(r, names, scen.queries)
        # the section's keys apply to each of its subzones: ask them there too
        m0 = scen.zone_model(full)
        for zsub in zs[1:]:
            other = base if zsub == "@" else zsub + "." + base
            m1 = scen.zone_model(other)
            m1.ip4 += m0.ip4
            m1.ip6 += m0.ip6
            m1.names |= m0.names
            m1.wild |= m0.wild
            moved = [nm[: -len(full)] + other for nm in names if nm.endswith(full)]
            _qtypes(r, moved[: n // 8], scen.queries)
    scen.queries += [(base, t) for t in ("SOA", "NS", "A", "TXT", "ANY", "MX")]
    scen.queries += [(s + "." + base, t) for s in ("proxies", "nets", "names", "v6", "hosts", "nothere")
                     for t in ("SOA", "A", "TXT", "NS")]
    f = scen.write("combined.txt", lines)
    scen.specs.append("%s:combined:%s" % (base, f))


def _multizone_scenario(scen, r, n):
    """One dataset in several zones; several datasets in one zone; nested
    zones; a zone with no $SOA."""
    z1, z2, z3, z4 = "one.multi.test", "two.multi.test", "multi.test", "nosoa.test"
    sub = "sub.one.multi.test"
    a_hdr = specials(r, z1) + [default_line(r)]
    a_body, a_names = ip4_lines(r, scen, z1, n // 4, IP4SET_FORMS)
    fa = scen.write("m-a.txt", a_hdr + a_body)
    fa2 = scen.write("m-a2.txt", [default_line(r)] + ip4_lines(r, scen, z1, n // 8, IP4SET_FORMS)[0])
    b_body, b_names = ip4_lines(r, scen, z3, n // 4, IP4TRIE_FORMS, trie=True)
    fb = scen.write("m-b.txt", specials(r, z3) + [default_line(r)] + b_body)
    c_body, c_names = dnset_lines(r, scen, z3, n // 8)
    fc = scen.write("m-c.txt", specials(r, z3, with_soa=False) + [default_line(r)] + c_body)
    d_body, d_names = ip4_lines(r, scen, z4, n // 8, ["host"], values=False, excl=False)
    fd = scen.write("m-d.txt", specials(r, z4, with_soa=False) + [default_line(r)] + d_body)
    g_body, g_names = generic_lines(r, scen, sub, 5)
    fg = scen.write("m-g.txt", specials(r, sub) + g_body)
    scen.no_soa.add(z4)
    # z1 and z2 share dataset A; z3 = A + B + C; the nested zone comes first
    scen.specs += ["%s:generic:%s" % (sub, fg),
                   "%s:ip4set:%s,%s" % (z1, fa, fa2), "%s:ip4set:%s,%s" % (z2, fa, fa2),
                   "%s:ip4set:%s,%s" % (z3, fa, fa2), "%s:ip4trie:%s" % (z3, fb),
                   "%s:dnset:%s" % (z3, fc), "%s:ip4tset:%s" % (z4, fd)]
    for z in (z2, z3):
        m = scen.zone_model(z)
        m.ip4 += scen.zones[z1].ip4
    for names in (a_names, b_names, c_names, d_names, g_names):
        _qtypes(r, names, scen.queries)
    _qtypes(r, [q[: -len(z1)] + z for q in a_names[: n // 2] if q.endswith("." + z1)
                for z in (z2, z3)], scen.queries)
    _qtypes(r, ip4_extra_names(r, z4, 50) + ip4_extra_names(r, z3, 50), scen.queries)
    for z in (z1, z2, z3, z4, sub):
        scen.queries += [(z, t) for t in ("SOA", "NS", "A", "ANY")]
    scen.queries += [("unrelated.example", "A"), ("test", "SOA"), ("multi.test.example", "A")]


def make_scenario(kind, seed, outdir, n=1500):
    """Write kind's data files into outdir (which must exist); return the Scenario."""
    r = random.Random("%s/%d" % (kind, seed))
    scen = Scenario(kind, seed, outdir)
    if kind in ("ip4set", "ip4tset", "ip4trie"):
        forms = {"ip4set": IP4SET_FORMS, "ip4tset": ["host"], "ip4trie": IP4TRIE_FORMS}[kind]
        _ip4_scenario(scen, r, kind, forms, n)
    elif kind in ("ip6trie", "ip6tset"):
        _ip6_scenario(scen, r, kind, n)
    elif kind == "dnset":
        _dnset_scenario(scen, r, n)
    elif kind == "generic":
        _generic_scenario(scen, r, n // 3)
    elif kind == "combined":
        _combined_scenario(scen, r, n)
    elif kind == "multizone":
        _multizone_scenario(scen, r, n)
    else:
        raise ValueError(kind)
    # de-duplicate, keep order
    seen = set()
    scen.queries = [q for q in scen.queries if not (q in seen or seen.add(q))]
    return scen
