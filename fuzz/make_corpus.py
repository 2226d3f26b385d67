#!/usr/bin/python3
"""make_corpus.py -- write the seed corpora in fuzz/corpus/<target>/.

Deterministic: the same files every run. Run from anywhere:
    /usr/bin/python3 fuzz/make_corpus.py
Targets: udp (one datagram), tcp (a stream of length-prefixed frames),
data (byte 0 = dataset type, byte 1 = load flags, then the file), config
(a YAML file), control (byte 0 even = control command lines, odd = an
allowlist file).
"""
import pathlib
import shutil
import struct

import dns.edns
import dns.flags
import dns.message
import dns.opcode

HERE = pathlib.Path(__file__).resolve().parent
ZONE = "bl.example.org."
TYPES = ["ip4set", "ip4tset", "ip4trie", "ip6trie", "ip6tset",
         "dnset", "generic", "combined", "acl",
         "azure-servicetags", "m365-endpoints"]
FEEDS = HERE.parent / "tests" / "fixtures" / "feeds"
FEED_SEEDS = {"azure-servicetags": ["servicetags_cn101.json", "servicetags_shrunk.json",
                                    "servicetags_truncated.json"],
              "m365-endpoints": ["m365_worldwide.json", "m365_wrongtypes.json"]}


def q(name, rdtype="A", rdclass="IN", qid=0x1234, **kw):
    m = dns.message.make_query(name, rdtype, rdclass, **kw)
    m.id = qid
    return m.to_wire()


def hdr(qid=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


QUESTION = b"\x01\x35\x03\x32\x34\x32\x02\x37\x38\x02\x34\x30" \
    b"\x02bl\x07example\x03org\x00\x00\x01\x00\x01"
OPT = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"


def udp_seeds():
    s = {}
    s["a_listed"] = q("5.242.78.40." + ZONE)
    s["txt_listed"] = q("5.242.78.40." + ZONE, "TXT")
    s["any_listed"] = q("5.242.78.40." + ZONE, "ANY")
    s["a_excluded"] = q("1.1.1.10." + ZONE)
    s["a_ten"] = q("2.2.2.10." + ZONE, "TXT")
    s["a_test_entry"] = q("2.0.0.127." + ZONE)
    s["a_not_listed"] = q("9.9.9.9." + ZONE)
    s["soa_apex"] = q(ZONE, "SOA")
    s["ns_apex"] = q(ZONE, "NS")
    s["mx_apex"] = q(ZONE, "MX")
    s["aaaa"] = q("5.242.78.40." + ZONE, "AAAA")
    s["v6"] = q("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.3.0.4.f.1.1.1.0.1.0.a.2."
                + ZONE, "TXT")
    s["dnset"] = q("spam.example.com." + ZONE, "TXT")
    s["dnset_wild"] = q("x.wild.example.net." + ZONE)
    s["generic_www"] = q("www." + ZONE, "ANY")
    s["case_0x20"] = q("5.242.78.40.Bl.ExAmPle.oRg.")
    s["other_zone"] = q("example.com.")
    s["edns"] = q("5.242.78.40." + ZONE, "TXT", use_edns=0, payload=4096)
    s["edns_do"] = q("5.242.78.40." + ZONE, use_edns=0, want_dnssec=True)
    s["edns_v1"] = q(ZONE, "SOA", use_edns=1)
    s["edns_small"] = q(ZONE, "ANY", use_edns=0, payload=100)
    s["chaos_version"] = q("version.bind.", "TXT", "CH")
    s["chaos_id"] = q("id.server.", "TXT", "CH")
    s["class_hs"] = q(ZONE, "A", "HS")
    s["class_any"] = q(ZONE, "SOA", "ANY")
    s["type_unknown"] = q(ZONE, "TYPE65280")
    s["axfr"] = q(ZONE, "AXFR")
    m = dns.message.make_query(ZONE, "SOA")
    m.id = 0x1234  # fixed, like q(): the corpus must not change per run
    m.set_opcode(dns.opcode.NOTIFY)
    s["opcode_notify"] = m.to_wire()
    s["response_qr"] = hdr(flags=0x8180) + QUESTION
    s["qdcount0"] = hdr(qd=0)
    s["qdcount0_opt"] = hdr(qd=0, ar=1) + OPT
    s["qdcount2"] = hdr(qd=2) + QUESTION + QUESTION
    s["short_header"] = hdr()[:7]
    s["truncated_q"] = (hdr() + QUESTION)[:30]
    s["truncated_type"] = (hdr() + QUESTION)[:-3]
    s["ptr_loop"] = hdr() + b"\xc0\x0c\x00\x01\x00\x01"
    s["ptr_forward"] = hdr() + b"\xc0\x12\x00\x01\x00\x01\x00\x00\x00"
    s["ptr_past_end"] = hdr() + b"\xc3\xff\x00\x01\x00\x01"
    s["label_64"] = hdr() + b"\x40" + b"a" * 64 + b"\x00\x00\x01\x00\x01"
    s["name_256"] = hdr() + (b"\x3f" + b"b" * 63) * 4 + b"\x00\x00\x01\x00\x01"
    s["an_garbage"] = hdr(an=1) + QUESTION + b"\xff" * 20
    s["ar_two_opt"] = hdr(ar=2) + QUESTION + OPT + OPT
    s["opt_in_answer"] = hdr(an=1) + QUESTION + OPT
    s["opt_named"] = hdr(ar=1) + QUESTION + b"\x01a\x00" + OPT[1:]
    s["ns_ptr_record"] = hdr(ns=1) + QUESTION + \
        b"\xc0\x0c\x00\x02\x00\x01\x00\x00\x00\x10\x00\x02\xc0\x0c"
    s["ar_counts_huge"] = hdr(an=0xffff, ns=0xffff, ar=0xffff) + QUESTION
    s["empty"] = b""
    return s


def tcp_seeds(udp):
    def frames(*msgs):
        return b"".join(struct.pack("!H", len(m)) + m for m in msgs)
    s = {}
    s["one"] = frames(udp["a_listed"])
    s["pipeline"] = frames(udp["a_listed"], udp["txt_listed"], udp["soa_apex"],
                           udp["edns"])
    s["zero_frame"] = frames(b"", udp["a_listed"])
    s["partial_last"] = frames(udp["a_listed"]) + b"\x00\x40\x12\x34"
    s["bad_then_good"] = frames(udp["ptr_loop"], udp["qdcount2"],
                                udp["short_header"], udp["a_listed"])
    s["big_answer"] = frames(udp["any_listed"], udp["generic_www"])
    s["frame_64k"] = frames(udp["a_listed"] + b"\x00" * (65535 - len(udp["a_listed"])))
    s["len_only"] = b"\x00"
    s["response"] = frames(udp["response_qr"], udp["chaos_version"])
    return s


DATA = {
    "ip4set": [
        ":127.0.0.3:Listed $\n40.78.242.5\n10.0.0.0/8 :4:Ten\n!10.1.1.1\n",
        "$TTL 1h\n$SOA 1h ns.example.org. hm.example.org. 1 2h 1h 1w 5m\n"
        "$NS 1h ns.example.org.\n1.2.3.4-1.2.4.255\n127.0.0.2\n5.242.78 :2:x\n",
        "$0 zero\n$=base $0\n:127.0.0.2:$= $$ $\n0.0.0.0/0\n",
    ],
    "ip4tset": ["40.78.242.5\n10.1.1.1\n:127.0.0.5:$ listed\n1.1.1.10\n"],
    "ip4trie": [
        "192.0.2.0/24 :2:Doc $\n0.0.0.0/1\n!192.0.2.128/25\n",
        "0/0 :127.0.0.9:everything\n40.78.242.0/25\n40.78.242.5/32 :3:\n",
    ],
    "ip6trie": ["2001:db8::/32 :2:v6 $\n::/0\n!2001:db8:1::/48\n"],
    "ip6tset": ["2001:db8::1\n2a01:111:f403::\n:127.0.0.6:six\n"],
    "dnset": [
        "spam.example.com :127.0.0.6:Bad domain $\n*.wild.example.net\n"
        "!ok.wild.example.net\n.both.example.org\n",
    ],
    "generic": [
        "www A 127.0.0.9\nwww TXT \"hello\" world\n@ MX 10 mx.example.org.\n"
        "sub.www 300 A 127.0.0.10\n",
    ],
    "combined": [
        "$DATASET ip4set proxies @\n40.78.242.5 :2:proxy $\n"
        "$DATASET dnset names\nspam.example.com\n"
        "$DATASET generic @\nwww A 127.0.0.9\n",
    ],
    "acl": [
        "10.0.0.0/8\n10.1.0.0/16 :refuse\n10.1.2.0/24 :empty\n"
        "2001:db8::/32 :127.0.0.3:client $ listed\n:pass\n",
    ],
}

HOSTILE_DATA = {
    "nul": b"40.78.242.5\x00junk\n1.2.3.4\n",
    "long_line": b"1.2.3.4 :2:" + b"x" * 5000 + b"\n",
    "bad_utf8": b"1.2.3.4 :2:\xff\xfe\xc3\x28 bad\n",
    "no_newline": b"1.2.3.4",
    "crlf": b"1.2.3.4\r\n5.6.7.8 :2:a\r\n",
}

CONFIGS = {
    "minimal": "zones:\n  - name: bl.example.org\n    datasets: []\n",
    "server": """server:
  listen: [ "127.0.0.1@5300", "::1@5300" ]
  workers: 2
  check-interval: 1m
  ttl: 35m
  ttl-min: 0
  ttl-max: 1d
  minimal-responses: false
  allow-host-bits: true
  rfc5782-test-entries: true
  version: "dnsxld"
  identity: false
  tcp-max-clients: 256
  tcp-idle-timeout: 10s
  edns-max-payload: 1232
  soa:
    mname: ns.example.org
    rname: hostmaster.example.org
""",
    "full": """server:
  listen: [ "127.0.0.1@5300" ]
codes:
  services:
    - { id: 1, name: d365-marketing, description: "Dynamics 365 Marketing" }
    - { id: 2, name: eop, description: "Exchange Online Protection" }
  regions:
    - { id: 0, name: global, description: "all regions" }
    - { id: 1, name: NAM, description: "North America" }
  txt: "{service_desc} ({service}), region {region}, pool {pool}, matched {prefix} {ip} $"
datasets:
  - { name: a, type: ip4trie, files: [ a.ip4 ], service: d365-marketing, region: NAM, pool: shared }
  - { name: b, type: ip6trie, files: [ b.ip6, c.ip6 ], service: eop, region: global }
  - { name: c, type: ip4set, files: [ c.ip4 ], code: 127.0.0.17, txt: "{code} listed" }
  - { name: g, type: acl, files: [ acl.txt ] }
zones:
  - name: wl.example.org
    datasets: [ a, b, c ]
    acl: g
""",
    "anchors": "x: &a [1, 2]\ny: *a\nserver: { ttl: 5m }\n",
    "bad_types": "server:\n  ttl: [1]\n  workers: -3\nzones: foo\ndatasets: {a: b}\n",
    "tags": "!!map { ? server : !!str x }\n",
    "unterminated": "server:\n  listen: [ \"127.0.0.1@53\"\n",
    "empty": "",
}

# Control commands, good and bad; the harness starts every input from the
# list "office 192.0.2.0/24", "home 2001:db8::/32 paused", "mon
# 198.51.100.7 zone=bl.example.org".
CONTROL = {
    "acl_list": ["acl list"],
    "acl_add": ["acl add lab 203.0.113.0/24", "acl list"],
    "acl_add_v6": ["acl add v6 2001:db8:1::/48", "acl list"],
    "acl_add_host": ["acl add h 203.0.113.9", "acl add h6 ::1"],
    "acl_add_zone": ["acl add z 203.0.113.0/25 bl.example.org.", "acl list"],
    "acl_add_unknown_zone": ["acl add z 203.0.113.0/25 nowhere.example"],
    "acl_add_dup": ["acl add office 203.0.113.0/24"],
    "acl_add_hostbits": ["acl add x 203.0.113.1/24"],
    "acl_add_badcidr": ["acl add x 999.1.1.1", "acl add x 1.2.3.4/33",
                        "acl add x 2001:db8::/129", "acl add x /24", "acl add x ::/"],
    "acl_add_badname": ["acl add bad/name 203.0.113.0/24", "acl add " + "n" * 65 + " 1.2.3.4",
                        "acl add '' 1.2.3.4"],
    "acl_add_usage": ["acl add x", "acl add x 1.2.3.4 z extra"],
    "acl_rename": ["acl rename office hq", "acl list", "acl rename hq mon",
                   "acl rename nosuch y"],
    "acl_set": ["acl set office 192.0.2.128/25", "acl set nosuch 1.2.3.4",
                "acl set office junk"],
    "acl_pause_resume": ["acl pause office", "acl pause office", "acl resume home",
                         "acl resume nosuch", "status"],
    "acl_delete": ["acl delete mon", "acl delete mon", "acl delete office",
                   "acl delete home", "acl list", "status"],
    "acl_usage": ["acl", "acl frob x", "acl list extra", "acl pause"],
    "reload": ["reload", "reload force", "reload now"],
    "status_stats": ["status", "stats", "status x", "stats y"],
    "unknown": ["frobnicate", "", "   ", "\t\r"],
    "too_many_words": ["acl add a b c d e f g h i j"],
    "long_line": ["acl add " + "x" * 3000 + " 1.2.3.4"],
    "nul": ["acl add a\x00b 1.2.3.4"],
    "churn": ["acl add c1 198.51.100.1", "acl add c2 2001:db8:2::/64",
              "acl pause c1", "acl delete c2", "acl rename c1 c3",
              "acl resume c3", "acl delete c3", "stats"],
}

ALLOWLISTS = {
    "file_good": "# comment\noffice 192.0.2.0/24\nhome 2001:db8::/32 paused\n"
                 "mon 198.51.100.7 zone=bl.example.org\nall ::/0\nv4all 0.0.0.0/0\n",
    "file_zone_paused": "a 10.0.0.0/8 zone=x.example paused\nb 10.1.0.0/16 paused zone=y\n",
    "file_bad": "dup 1.2.3.4\ndup 1.2.3.5\nhost 1.2.3.4/24\nnocidr\n"
                "x 1.2.3.4 zone=\ny 1.2.3.4 bogus\nbad*name 1.2.3.4\n",
    "file_crlf": "a 192.0.2.0/24\r\nb 192.0.2.1 paused\r\n",
    "file_empty": "",
    "file_nul": "a 192.0.2.0/24\x00\nb\x00 1.2.3.4\n",
    "file_long": "l " + "1" * 5000 + "\n" + "n" * 70 + " 1.2.3.4\n",
    "file_mapped": "m ::ffff:192.0.2.0/120\nz 0.0.0.0/32\n",
}


def control_seeds():
    s = {}
    for name, lines in CONTROL.items():
        s[name] = b"\x00" + "\n".join(lines).encode("latin-1")
    for name, text in ALLOWLISTS.items():
        s[name] = b"\x01" + text.encode("latin-1")
    return s


def write(target, seeds):
    d = HERE / "corpus" / target
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for name, data in sorted(seeds.items()):
        (d / name).write_bytes(data)
    print(f"{d}: {len(seeds)} files")


def main():
    udp = udp_seeds()
    write("udp", udp)
    write("tcp", tcp_seeds(udp))
    data = {}
    for t, texts in DATA.items():
        for i, text in enumerate(texts):
            data[f"{t}_{i}"] = bytes([TYPES.index(t), 0]) + text.encode()
            data[f"{t}_{i}_hostbits"] = bytes([TYPES.index(t), 3]) + text.encode()
    for i, t in enumerate(TYPES):      # no entries at all (qsort(NULL, 0))
        data[f"{t}_empty"] = bytes([i, 0])
    for t, files in FEED_SEEDS.items():
        for f in files:
            data[f"{t}_{f}"] = bytes([TYPES.index(t), 0]) + (FEEDS / f).read_bytes()
    for name, raw in HOSTILE_DATA.items():
        for t in ("ip4set", "generic"):
            data[f"hostile_{name}_{t}"] = bytes([TYPES.index(t), 0]) + raw
    write("data", data)
    write("config", {k: v.encode() for k, v in CONFIGS.items()})
    write("control", control_seeds())


if __name__ == "__main__":
    main()
