"""Zone transfers to real secondaries: NSD and Knot (Debian packages) on
loopback.

dnsxld is the primary; the secondary transfers the zone by AXFR, then answers for
thousands of random addresses (listed, unlisted, inside exclusions, around
prefixes that are not on an octet or nibble boundary, IPv6, IPv4-mapped,
6to4, RFC 5782 test entries) exactly as dnsxld does. After a data change
and SIGHUP, dnsxld sends NOTIFY, the secondary fetches the change by IXFR (dnsxld's
log says so) and again answers exactly as dnsxld does.
"""
import ipaddress
import os
import pathlib
import random
import shutil
import signal
import socket
import subprocess
import time

import dns.exception
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig
import dns.xfr
import dns.zone
import pytest

from conftest import BUILD, Server, free_port

NSD = shutil.which("nsd") or "/usr/sbin/nsd"
KNOTD = shutil.which("knotd") or "/usr/sbin/knotd"
ZONE = "xfr.test"

D4 = """$SOA 0 ns1.xfr.test hostmaster.xfr.test 0 1h 10m 1w 5m
$NS 0 ns1.xfr.test
:2:Listed by test
1.2.0.0/16
!1.2.3.4
1.2.3.128/25 :3:Other
10.0.0.0/9
!10.0.5.0/24
10.0.5.7 :4:Back in
5.6.7.8
192.0.2.64/27 :5:Odd block
!192.0.2.80/30
203.0.113.0/28 :6:Listed $
198.51.100.0/22
"""
D4_CHANGED = D4.replace("5.6.7.8\n", "5.6.7.9\n").replace(
    "!10.0.5.0/24\n", "!10.0.5.0/24\n!10.64.0.0/12\n") + "172.16.0.0/13 :7:New\n"
D6 = """:2:Six
2001:db8::/32
!2001:db8:0:1::/64
2001:db8:8000::/33 :4:Upper half
2001:db8:abcd:1230::/61 :5:Odd six
fd00::/8
"""


def nets_of(text):
    """(network, excluded) for every data line of a data file."""
    out = []
    for line in text.splitlines():
        if not line or line[0] in "$:#":
            continue
        excl = line.startswith("!")
        net = line.lstrip("!").split()[0]
        out.append((ipaddress.ip_network(net, strict=False), excl))
    return out


def sample(rng, nets, n):
    """Random addresses: inside every prefix, at and around its edges, in
    exclusions, and anywhere."""
    addrs = ["127.0.0.2", "127.0.0.1", "::ffff:127.0.0.2", "::ffff:127.0.0.1"]
    for net, _ in nets:
        lo, hi = int(net.network_address), int(net.broadcast_address)
        top = (1 << net.max_prefixlen) - 1
        for v in (lo - 1, lo, lo + 1, hi - 1, hi, hi + 1):
            if 0 <= v <= top:
                addrs.append(str(ipaddress.ip_address(v) if net.version == 6
                                 else ipaddress.IPv4Address(v)))
        for _ in range(n):
            addrs.append(str(ipaddress.ip_address(rng.randint(lo, hi))
                             if net.version == 6 else
                             ipaddress.IPv4Address(rng.randint(lo, hi))))
    for _ in range(n * 4):
        addrs.append(str(ipaddress.IPv4Address(rng.getrandbits(32))))
        addrs.append(str(ipaddress.IPv6Address(
            (0x2001 << 112 | 0xdb8 << 96) | rng.getrandbits(96))))
        addrs.append(str(ipaddress.IPv6Address(rng.getrandbits(128))))
    # IPv4 data seen through IPv4-mapped and 6to4 names
    for net, _ in nets:
        if net.version == 4:
            v = rng.randint(int(net.network_address), int(net.broadcast_address))
            addrs.append(str(ipaddress.IPv6Address(0xffff << 32 | v)))
            addrs.append(str(ipaddress.IPv6Address(0x2002 << 112 | v << 80
                                                   | rng.getrandbits(80))))
    return addrs


def rev(addr, zone=ZONE):
    ip = ipaddress.ip_address(addr)
    if ip.version == 4:
        return ".".join(reversed(addr.split("."))) + "." + zone
    return ".".join(reversed(ip.exploded.replace(":", ""))) + "." + zone


def ask(port, name, rdtype):
    q = dns.message.make_query(name, rdtype)
    for _ in range(3):
        try:
            r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
            break
        except dns.exception.Timeout:
            continue
    else:
        raise AssertionError(f"no answer from port {port} for {name}")
    ans = sorted((dns.rdatatype.to_text(rr.rdtype), rr.ttl,
                  sorted(x.to_text() for x in rr))
                 for rr in r.answer)
    return dns.rcode.to_text(r.rcode()), ans


def compare(primary, secondary, addrs, zone=ZONE):
    diffs = []
    for a in addrs:
        name = rev(a, zone)
        for t in ("A", "TXT"):
            p, s = ask(primary, name, t), ask(secondary, name, t)
            if p != s:
                diffs.append((a, t, p, s))
    assert diffs == [], f"{len(diffs)} differences, first: {diffs[:5]}"


def soa_serial(port):
    r = dns.query.udp(dns.message.make_query(ZONE, "SOA"), "127.0.0.1",
                      port=port, timeout=1)
    return r.answer[0][0].serial if r.answer else None


def wait_serial(port, serial, timeout=20):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        try:
            got = soa_serial(port)
        except Exception:
            got = None
        if got == serial:
            return
        time.sleep(0.1)
    raise AssertionError(f"secondary serial {got}, expected {serial}")


def nsd_conf(d, port, primary, zone=ZONE):
    """NSD as a secondary of 127.0.0.1@primary (the snippet in
    docs/scaling.md), foreground, private paths, no rate limiting."""
    return f"""server:
  ip-address: 127.0.0.1@{port}
  port: {port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "{d}"
  database: ""
  zonelistfile: "{d}/zone.list"
  xfrdfile: "{d}/xfrd.state"
  xfrdir: "{d}"
  pidfile: "{d}/nsd.pid"
  logfile: "{d}/nsd.log"
  verbosity: 2
  server-count: 1
  rrl-ratelimit: 0
  hide-version: yes
remote-control:
  control-enable: no
zone:
  name: {zone}
  zonefile: "{zone}.zone"
  request-xfr: 127.0.0.1@{primary} NOKEY
  allow-notify: 127.0.0.1 NOKEY
"""


def knot_conf(d, port, primary):
    """Knot DNS as a secondary (the snippet in docs/scaling.md)."""
    return f"""server:
    rundir: "{d}"
    listen: 127.0.0.1@{port}
log:
  - target: "{d}/knot.log"
    any: info
database:
    storage: "{d}"
remote:
  - id: dnsxld
    address: 127.0.0.1@{primary}
acl:
  - id: notify-from-dnsxld
    address: 127.0.0.1
    action: notify
template:
  - id: default
    storage: "{d}"
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
zone:
  - domain: {ZONE}
    master: dnsxld
    acl: notify-from-dnsxld
"""


SECONDARIES = {
    "nsd": (NSD, nsd_conf, lambda conf: [NSD, "-d", "-c", conf]),
    "knot": (KNOTD, knot_conf, lambda conf: [KNOTD, "-c", conf]),
}


@pytest.fixture(params=["nsd", "knot"])
def primary_secondary(request, tmp_path):
    binary, make_conf, argv = SECONDARIES[request.param]
    if not os.path.exists(binary):
        pytest.skip(f"{binary} not installed (make test-deps)")
    (tmp_path / "d4").write_text(D4)
    (tmp_path / "d6").write_text(D6)
    p1, p2 = free_port(), free_port()
    while p2 == p1:
        p2 = free_port()
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{p1}
  check-interval: 0
  allow-transfer: [ 127.0.0.1 ]
  notify: [ "127.0.0.1@{p2}" ]
  serial: unixtime
  ixfr-history: 4
datasets:
  - {{ name: v4, type: ip4trie, files: [ d4 ] }}
  - {{ name: v6, type: ip6trie, files: [ d6 ] }}
zones:
  - name: {ZONE}
    datasets: [ v4, v6 ]
""")
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], p1,
                  cwd=tmp_path, probe=ZONE)
    sdir = tmp_path / request.param
    sdir.mkdir()
    (sdir / "sec.conf").write_text(make_conf(sdir, p2, p1))
    sec = subprocess.Popen(argv(str(sdir / "sec.conf")),
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        yield tmp_path, prim, p2, sec
    finally:
        sec.terminate()
        try:
            sec.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sec.kill()
            sec.wait()
        prim.stop()


def log_text(tmp_path):
    return (tmp_path / "server.log").read_text()


def wait_log(tmp_path, *lines, secs=10):
    """The server log once one of lines is in it: dnsxld logs a transfer
    after its last message, so the secondary may already answer with the
    new serial (a CI run read the log before the line was there)."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        text = log_text(tmp_path)
        if any(l in text for l in lines):
            return text
        time.sleep(0.05)
    return log_text(tmp_path)


def test_secondary_axfr_then_ixfr(primary_secondary):
    tmp_path, prim, p2, nsd = primary_secondary
    serial = soa_serial(prim.port)
    wait_serial(p2, serial)
    text = wait_log(tmp_path, "xfr: AXFR xfr.test", "xfr: IXFR xfr.test")
    assert "xfr: AXFR xfr.test" in text or "xfr: IXFR xfr.test" in text
    rng = random.Random(20261122)
    nets = nets_of(D4) + nets_of(D6)
    compare(prim.port, p2, sample(rng, nets, 30))

    (tmp_path / "d4").write_text(D4_CHANGED)
    prim.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while soa_serial(prim.port) == serial and time.monotonic() < deadline:
        time.sleep(0.05)
    new = soa_serial(prim.port)
    assert new != serial and (new - serial) % (1 << 32) < (1 << 31)
    wait_serial(p2, new)
    assert f"xfr: IXFR {ZONE} {serial} -> {new}" in wait_log(
        tmp_path, f"xfr: IXFR {ZONE} {serial} -> {new}")
    assert "notify: xfr.test" in wait_log(tmp_path, "notify: xfr.test")
    compare(prim.port, p2, sample(rng, nets_of(D4_CHANGED) + nets_of(D6), 30))


def test_axfr_refused_outside_allow_transfer_and_over_udp(primary_secondary):
    tmp_path, prim, _, _ = primary_secondary
    q = dns.message.make_query(ZONE, "AXFR")
    r = dns.query.tcp(q, "127.0.0.1", port=prim.port, timeout=3,
                      source="127.0.0.2")
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    r = dns.query.udp(q, "127.0.0.1", port=prim.port, timeout=3)
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
    # from an allowed address: the whole zone, SOA first and last
    z = dns.zone.Zone(ZONE)
    dns.query.inbound_xfr("127.0.0.1", z, port=prim.port, timeout=5)
    assert z.get_rdataset("@", "SOA")[0].serial == soa_serial(prim.port)
    assert z.get_rdataset("*.2.1", "A") is None       # 1.2.3.x and 1.2.4.x differ
    assert z.get_rdataset("*.20.2.1", "A")[0].address == "127.0.0.2"
    assert z.get_rdataset("*.4.2.1", "A") is None      # also IPv6 12..4::, not listed
    assert z.get_rdataset("4.3.2.1", "A") is None      # excluded
    assert z.get_rdataset("5.3.2.1", "A")[0].address == "127.0.0.2"


def test_ixfr_up_to_date_is_one_soa(primary_secondary):
    tmp_path, prim, _, _ = primary_secondary
    serial = soa_serial(prim.port)
    q = dns.message.make_query(ZONE, "IXFR")
    q.authority.append(dns.rrset.from_text(
        ZONE + ".", 0, "IN", "SOA", f". . {serial} 0 0 0 0"))
    r = dns.query.tcp(q, "127.0.0.1", port=prim.port, timeout=3)
    assert r.rcode() == dns.rcode.NOERROR
    assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.SOA]
    assert r.answer[0][0].serial == serial
    # over UDP: the current SOA alone, whatever the client's serial
    q = dns.message.make_query(ZONE, "IXFR")
    q.authority.append(dns.rrset.from_text(
        ZONE + ".", 0, "IN", "SOA", f". . {serial - 5} 0 0 0 0"))
    r = dns.query.udp(q, "127.0.0.1", port=prim.port, timeout=3)
    assert r.rcode() == dns.rcode.NOERROR
    assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.SOA]
    assert r.answer[0][0].serial == serial
    # an older serial over TCP: the difference, or the whole zone in
    # AXFR form when the history does not reach it
    r = dns.query.tcp(q, "127.0.0.1", port=prim.port, timeout=3)
    assert r.answer[0].rdtype == dns.rdatatype.SOA and len(r.answer) > 2


def test_shipped_data_dump_served_by_nsd(tmp_path):
    """dnsxl dump and dnsxld -d print the same zone file; NSD loading it
    answers the shipped data's addresses as dnsxld does."""
    if not os.path.exists(NSD):
        pytest.skip("nsd not installed (make test-deps)")
    root = BUILD.parent if (BUILD.parent / "conf").exists() else \
        pathlib.Path(__file__).resolve().parents[2]
    conf = root / "conf" / "dnsxld.conf"
    dump = subprocess.run([str(BUILD / "dnsxl"), "dump", "--config", str(conf)],
                          capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0, dump.stderr
    d = subprocess.run([str(BUILD / "dnsxld"), "-d", "--config", str(conf)],
                       capture_output=True, text=True, timeout=60)
    assert d.returncode == 0 and d.stdout == dump.stdout
    zone = dump.stdout.split("$ORIGIN ", 1)[1].split(".\n", 1)[0]
    assert dump.stdout.count("$ORIGIN") == 1
    assert f"{zone}: " in dump.stderr and "wildcards" in dump.stderr
    sdir = tmp_path / "nsd"
    sdir.mkdir()
    (sdir / f"{zone}.zone").write_text(dump.stdout)
    p1, p2 = free_port(), free_port()
    text = nsd_conf(sdir, p2, p1).replace(
        f"  request-xfr: 127.0.0.1@{p1} NOKEY\n", "").replace(
        f"name: {ZONE}\n  zonefile: \"{ZONE}.zone\"",
        f"name: {zone}\n  zonefile: \"{zone}.zone\"")
    (sdir / "sec.conf").write_text(text)
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf), "-b",
                   f"127.0.0.1/{p1}"], p1, cwd=tmp_path, probe=zone)
    sec = subprocess.Popen([NSD, "-d", "-c", str(sdir / "sec.conf")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_serial_zone(p2, zone, soa_serial_zone(p1, zone))
        nets = []
        for f in sorted((root / "zones").rglob("*.ip4")):
            nets += nets_of(f.read_text())
        rng = random.Random(5782)
        addrs = sample(rng, rng.sample(nets, min(len(nets), 60)), 6)
        compare(p1, p2, addrs, zone)
    finally:
        sec.terminate()
        try:
            sec.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sec.kill()
            sec.wait()
        prim.stop()


def soa_serial_zone(port, zone):
    r = dns.query.udp(dns.message.make_query(zone, "SOA"), "127.0.0.1",
                      port=port, timeout=1)
    return r.answer[0][0].serial if r.answer else None


def wait_serial_zone(port, zone, serial, timeout=20):
    deadline = time.monotonic() + timeout
    got = None
    while time.monotonic() < deadline:
        try:
            got = soa_serial_zone(port, zone)
        except Exception:
            got = None
        if got == serial:
            return
        time.sleep(0.1)
    raise AssertionError(f"{zone}: serial {got}, expected {serial}")


DNSET = """:2:Listed $
example.com
.bad.example
!good.bad.example
*.wild.test :3:Wild
!*.no.wild.test
deep.x.wild.test :4:Deep
!excluded.example
.net :5:Net
!*.com.net
!com.net
"""
GENERIC = """@ A 127.0.0.9
info TXT "hello world"
mx MX 10 mail.example.
"""


def test_name_zone_to_nsd(tmp_path):
    """dnset + generic: names, wildcards, excluded names and wildcards;
    NSD transfers the zone and answers every name as dnsxld does."""
    if not os.path.exists(NSD):
        pytest.skip("nsd not installed (make test-deps)")
    zone = "dn.test"
    (tmp_path / "dn").write_text(DNSET)
    (tmp_path / "gen").write_text(GENERIC)
    p1, p2 = free_port(), free_port()
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{p1}
  allow-transfer: [ 127.0.0.1 ]
  rfc5782-test-entries: false
datasets:
  - {{ name: dn, type: dnset, files: [ dn ] }}
  - {{ name: gen, type: generic, files: [ gen ] }}
zones:
  - name: {zone}
    datasets: [ dn, gen ]
""")
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], p1,
                  cwd=tmp_path, probe=zone)
    sdir = tmp_path / "nsd"
    sdir.mkdir()
    (sdir / "sec.conf").write_text(nsd_conf(sdir, p2, p1, zone))
    sec = subprocess.Popen([NSD, "-d", "-c", str(sdir / "sec.conf")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_serial_zone(p2, zone, soa_serial_zone(p1, zone))
        labels = ["example", "com", "bad", "good", "wild", "test", "no",
                  "deep", "x", "info", "mx", "excluded", "zz", "net"]
        rng = random.Random(1996)
        names = ["", "info", "mx", "example.com", "bad.example",
                 "good.bad.example", "a.good.bad.example", "no.wild.test",
                 "a.no.wild.test", "x.wild.test", "y.x.wild.test",
                 "excluded.example", "a.excluded.example", "net", "a.net",
                 "com.net", "b.com.net", "c.b.com.net"]
        for _ in range(400):
            names.append(".".join(rng.choice(labels)
                                  for _ in range(rng.randint(1, 5))))
        diffs = []
        for n in names:
            fq = f"{n}.{zone}" if n else zone
            for t in ("A", "TXT", "MX"):
                a, b = ask(p1, fq, t), ask(p2, fq, t)
                if a != b:
                    diffs.append((n, t, a, b))
        assert diffs == [], f"{len(diffs)} differences, first: {diffs[:5]}"
    finally:
        sec.terminate()
        try:
            sec.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sec.kill()
            sec.wait()
        prim.stop()


SECRET = "c2VjcmV0LWtleS1mb3ItZG5zeGxkLXhmci10ZXN0cy0yMDI2"



def start_tsig_primary(tmp_path, port):
    """dnsxld serving ZONE from tmp_path/d4, transfers only with xfr-key."""
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{port}
  allow-transfer: [ "127.0.0.1 key xfr-key" ]
  tsig-keys:
    - {{ name: xfr-key, algorithm: hmac-sha256, secret: "{SECRET}" }}
    - {{ name: other-key, secret: "{SECRET}" }}
datasets:
  - {{ name: v4, type: ip4trie, files: [ d4 ] }}
zones:
  - name: {ZONE}
    datasets: [ v4 ]
""")
    return Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], port,
                  cwd=tmp_path, probe=ZONE)

def test_tsig_transfer_to_nsd(tmp_path):
    """allow-transfer "127.0.0.1 key xfr-key": NSD transfers with TSIG;
    an unsigned request or one signed with another key is REFUSED; the
    signed reply verifies (dnspython checks every message's TSIG)."""
    if not os.path.exists(NSD):
        pytest.skip("nsd not installed (make test-deps)")
    import dns.tsigkeyring
    (tmp_path / "d4").write_text(D4)
    p1, p2 = free_port(), free_port()
    prim = start_tsig_primary(tmp_path, p1)
    sdir = tmp_path / "nsd"
    sdir.mkdir()
    text = nsd_conf(sdir, p2, p1).replace(
        f"request-xfr: 127.0.0.1@{p1} NOKEY",
        f"request-xfr: 127.0.0.1@{p1} xfr-key") + f"""key:
  name: xfr-key
  algorithm: hmac-sha256
  secret: "{SECRET}"
"""
    (sdir / "sec.conf").write_text(text)
    sec = subprocess.Popen([NSD, "-d", "-c", str(sdir / "sec.conf")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_serial(p2, soa_serial(p1))
        assert "TSIG verified with key xfr-key" in (sdir / "nsd.log").read_text()
        compare(p1, p2, sample(random.Random(8945), nets_of(D4), 4))
        q = dns.message.make_query(ZONE, "AXFR")
        r = dns.query.tcp(q, "127.0.0.1", port=p1, timeout=3)
        assert r.rcode() == dns.rcode.REFUSED and not r.answer
        ring = dns.tsigkeyring.from_text({"other-key.": SECRET})
        q = dns.message.make_query(ZONE, "AXFR")
        q.use_tsig(ring, keyname="other-key.", algorithm="hmac-sha256")
        r = dns.query.tcp(q, "127.0.0.1", port=p1, timeout=3)
        assert r.rcode() == dns.rcode.REFUSED
        ring = dns.tsigkeyring.from_text({"xfr-key.": SECRET})
        z = dns.zone.Zone(ZONE)
        q = dns.message.make_query(ZONE, "AXFR")
        q.use_tsig(ring, keyname="xfr-key.", algorithm="hmac-sha256")
        dns.query.inbound_xfr("127.0.0.1", z, query=q, port=p1, timeout=5)
        assert z.get_rdataset("@", "SOA")[0].serial == soa_serial(p1)
        assert z.get_rdataset("*.20.2.1", "A")[0].address == "127.0.0.2"
        log = (tmp_path / "server.log").read_text()
        assert "refused (allow-transfer)" in log
    finally:
        sec.terminate()
        try:
            sec.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sec.kill()
            sec.wait()
        prim.stop()


def test_dump_refusals(tmp_path):
    """A per-address TXT over a /8 is over the default dump-limit; a
    combined subzone that collides with reverse names cannot be rendered:
    both say why, exit 1."""
    (tmp_path / "big").write_text(":2:Listed $\n10.0.0.0/8\n")
    r = subprocess.run([str(BUILD / "dnsxl"), "dump",
                        f"t.zone:ip4trie:{tmp_path / 'big'}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stdout == ""
    assert "zone t.zone: the zone file rendering needs more than 1000000 " \
        "records (limit: dump-limit); refused" in r.stderr
    r = subprocess.run([str(BUILD / "dnsxld"), "-d",
                        f"t.zone:ip4trie:{tmp_path / 'big'}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "dump-limit" in r.stderr
    # a combined subzone named like an address label under reverse names
    (tmp_path / "comb").write_text("$DATASET ip4set @\n1.2.3.4\n"
                                   "$DATASET dnset 10\nx.y\n")
    r = subprocess.run([str(BUILD / "dnsxl"), "dump",
                        f"t.zone:combined:{tmp_path / 'comb'}"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "zone t.zone: subzone 10. collides with " \
        "reverse IP names; cannot be rendered" in r.stderr
    # one zone by name; an unknown one is an error
    (tmp_path / "one").write_text("1.2.3.4\n")
    spec = f"t.zone:ip4trie:{tmp_path / 'one'}"
    r = subprocess.run([str(BUILD / "dnsxl"), "dump", spec, "t.zone"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "4.3.2.1\t2100\tIN\tA\t127.0.0.2\n" in r.stdout
    r = subprocess.run([str(BUILD / "dnsxl"), "dump", spec, "other.zone"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "no zone other.zone" in r.stderr


def test_ixfr_over_two_changes_equals_axfr(tmp_path):
    """IXFR from two versions back sends both differences; applied to the
    old zone, they give exactly what an AXFR of the new one gives."""
    (tmp_path / "d4").write_text(D4)
    (tmp_path / "d6").write_text(D6)
    p1 = free_port()
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{p1}
  check-interval: 0
  allow-transfer: [ 127.0.0.1 ]
  ixfr-history: 2
datasets:
  - {{ name: v4, type: ip4trie, files: [ d4 ] }}
  - {{ name: v6, type: ip6trie, files: [ d6 ] }}
zones:
  - name: {ZONE}
    datasets: [ v4, v6 ]
""")
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], p1,
                  cwd=tmp_path, probe=ZONE)
    try:
        old = dns.zone.Zone(ZONE)
        dns.query.inbound_xfr("127.0.0.1", old, port=p1, timeout=5)
        s0 = old.get_rdataset("@", "SOA")[0].serial
        serials = [s0]
        for text in (D4_CHANGED, D4_CHANGED + "!172.16.5.0/24\n9.9.9.9\n"):
            (tmp_path / "d4").write_text(text)
            prim.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 10
            while soa_serial(p1) == serials[-1] and time.monotonic() < deadline:
                time.sleep(0.05)
            serials.append(soa_serial(p1))
        assert serials[0] < serials[1] < serials[2]
        dns.query.inbound_xfr("127.0.0.1", old, query=dns.xfr.make_query(old)[0],
                              port=p1, timeout=5)
        new = dns.zone.Zone(ZONE)
        dns.query.inbound_xfr("127.0.0.1", new, port=p1, timeout=5)
        assert old.get_rdataset("@", "SOA")[0].serial == serials[2]
        assert old == new
        assert new.get_rdataset("9.9.9.9", "A")[0].address == "127.0.0.2"
        log = (tmp_path / "server.log").read_text()
        assert f"xfr: IXFR {ZONE} {s0} -> {serials[2]} (2 differences)" in log
    finally:
        prim.stop()


COMBINED = """$SOA 0 ns1.cb.test hostmaster.cb.test 0 1h 10m 1w 5m
$NS 0 ns1.cb.test
$DATASET ip4trie:proxies proxies @
:2:Proxy
10.0.0.0/16
!10.0.5.0/24
10.0.5.7 :3:Back
192.0.2.0/25 :4:Half $
$DATASET ip6trie:six six
2001:db8::/32 :5:Six
!2001:db8:1::/48
$DATASET dnset:names names deep.names
.bad.example :6:Bad
!good.bad.example
example.com
$DATASET generic:gen www.x @
@ A 127.0.0.9
mx MX 10 mail.example.
$DATASET ip4set:empty empty
"""


def test_combined_zone_to_nsd(tmp_path):
    """combined: subzones with IPv4, IPv6 and name datasets, generic
    records at two apexes, an empty subzone, names above a subzone; NSD
    transfers the zone and answers every name as dnsxld does."""
    if not os.path.exists(NSD):
        pytest.skip("nsd not installed (make test-deps)")
    zone = "cb.test"
    (tmp_path / "cb").write_text(COMBINED)
    p1, p2 = free_port(), free_port()
    while p2 == p1:
        p2 = free_port()
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{p1}
  allow-transfer: [ 127.0.0.1 ]
datasets:
  - {{ name: cb, type: combined, files: [ cb ] }}
zones:
  - name: {zone}
    datasets: [ cb ]
""")
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], p1,
                  cwd=tmp_path, probe=zone)
    sdir = tmp_path / "nsd"
    sdir.mkdir()
    (sdir / "sec.conf").write_text(nsd_conf(sdir, p2, p1, zone))
    sec = subprocess.Popen([NSD, "-d", "-c", str(sdir / "sec.conf")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_serial_zone(p2, zone, soa_serial_zone(p1, zone))
        rng = random.Random(4321)
        nets = nets_of("10.0.0.0/16\n!10.0.5.0/24\n10.0.5.7\n192.0.2.0/25\n")
        v4 = sample(rng, nets, 8)
        v6 = sample(rng, nets_of("2001:db8::/32\n!2001:db8:1::/48\n"), 8)
        names = ["", "proxies", "six", "names", "deep.names", "www.x", "x",
                 "mx", "empty", "a.empty", "zz", "a.x", "bad.example.names",
                 "a.bad.example.names", "good.bad.example.names",
                 "a.good.bad.example.names", "example.com.deep.names",
                 "example.com.names", "mx.www.x", "2.0.0.127",
                 "1.0.0.127", "2.0.0.127.proxies", "7.5.0.10.six"]
        for sub in ("proxies", "", "six", "names"):
            for a in v4 + v6[:40]:
                names.append(rev(a, sub).rstrip("."))
        labels = ["example", "com", "bad", "good", "names", "deep", "x",
                  "www", "proxies", "six", "mx", "zz", "10"]
        for _ in range(150):
            names.append(".".join(rng.choice(labels)
                                  for _ in range(rng.randint(1, 4))))
        diffs = []
        for n in names:
            fq = f"{n}.{zone}" if n else zone
            for t in ("A", "TXT", "MX"):
                a, b = ask(p1, fq, t), ask(p2, fq, t)
                if a != b:
                    diffs.append((n, t, a, b))
        assert diffs == [], f"{len(diffs)} differences, first: {diffs[:5]}"
        # the subzones' data is really there (not all NXDOMAIN alike)
        assert ask(p2, f"7.5.0.10.proxies.{zone}", "TXT")[1][0][2] == \
            ['"Back"']
        assert ask(p2, f"1.1.0.10.{zone}", "A")[1][0][2] == ["127.0.0.2"]
        assert ask(p2, f"empty.{zone}", "A") == ("NOERROR", [])
        assert ask(p2, f"a.empty.{zone}", "A") == ("NXDOMAIN", [])
    finally:
        sec.terminate()
        try:
            sec.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sec.kill()
            sec.wait()
        prim.stop()


def test_per_zone_allow_transfer_and_notify(tmp_path):
    """zones: allow-transfer / notify per zone replace the server's lists:
    zone a.test uses the server's (transfers, NOTIFY to the server's
    target), b.test has allow-transfer: [] (REFUSED) and its own notify
    target, c.test allows only 127.0.0.2."""
    (tmp_path / "d4").write_text("1.2.3.4\n")
    p1 = free_port()
    listeners = []
    for _ in range(2):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(5)
        listeners.append(s)
    pa, pb = (s.getsockname()[1] for s in listeners)
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{p1}
  allow-transfer: [ 127.0.0.1 ]
  notify: [ "127.0.0.1@{pa}" ]
datasets:
  - {{ name: v4, type: ip4trie, files: [ d4 ] }}
zones:
  - name: a.test
    datasets: [ v4 ]
  - name: b.test
    datasets: [ v4 ]
    allow-transfer: []
    notify: [ "127.0.0.1@{pb}" ]
  - name: c.test
    datasets: [ v4 ]
    allow-transfer: [ 127.0.0.2 ]
    notify: []
""")
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], p1,
                  cwd=tmp_path, probe="a.test")
    try:
        got = {}
        for s in listeners:
            try:
                while True:
                    data, addr = s.recvfrom(4096)
                    m = dns.message.from_wire(data)
                    got.setdefault(s.getsockname()[1], []).append(
                        m.question[0].name.to_text())
                    r = dns.message.make_response(m)
                    s.sendto(r.to_wire(), addr)
                    s.settimeout(0.5)
            except socket.timeout:
                pass
        # (resent until answered: compare the zones, not the count)
        assert {k: sorted(set(v)) for k, v in got.items()} == \
            {pa: ["a.test."], pb: ["b.test."]}
        z = dns.zone.Zone("a.test")
        dns.query.inbound_xfr("127.0.0.1", z, port=p1, timeout=5)
        assert z.get_rdataset("4.3.2.1", "A")[0].address == "127.0.0.2"
        for zone, src in (("b.test", "127.0.0.1"), ("c.test", "127.0.0.1"),
                          ("b.test", "127.0.0.2")):
            q = dns.message.make_query(zone, "AXFR")
            r = dns.query.tcp(q, "127.0.0.1", port=p1, timeout=3, source=src)
            assert r.rcode() == dns.rcode.REFUSED and not r.answer, (zone, src)
        q = dns.message.make_query("c.test", "AXFR")
        r = dns.query.tcp(q, "127.0.0.1", port=p1, timeout=3,
                          source="127.0.0.2")
        assert r.rcode() == dns.rcode.NOERROR and \
            r.answer[0].rdtype == dns.rdatatype.SOA
        # IXFR over UDP: the SOA where transfers are allowed, else REFUSED
        for zone, rcode in (("a.test", dns.rcode.NOERROR),
                            ("b.test", dns.rcode.REFUSED)):
            q = dns.message.make_query(zone, "IXFR")
            q.authority.append(dns.rrset.from_text(
                zone + ".", 0, "IN", "SOA", ". . 1 0 0 0 0"))
            r = dns.query.udp(q, "127.0.0.1", port=p1, timeout=3)
            assert r.rcode() == rcode, zone
        assert "AXFR of b.test refused (allow-transfer)" in \
            (tmp_path / "server.log").read_text()
    finally:
        for s in listeners:
            s.close()
        prim.stop()


def _tcp_raw(port, wire):
    """One request over TCP, the raw reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
        s.sendall(len(wire).to_bytes(2, "big") + wire)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + int.from_bytes(buf[:2], "big"):
            chunk = s.recv(65535)
            if not chunk:
                break
            buf += chunk
        return buf[2:2 + int.from_bytes(buf[:2], "big")]


def test_tsig_errors_are_notauth(tmp_path, monkeypatch):
    """RFC 8945 5.2: an unknown key or another algorithm is NOTAUTH with
    TSIG error BADKEY, a wrong MAC NOTAUTH/BADSIG (both unsigned), a time
    outside the fudge NOTAUTH/BADTIME, signed over the request's MAC with
    the server's time as Other Data. A good key that allow-transfer does
    not list stays REFUSED."""
    import base64
    import hashlib
    import hmac
    import struct
    import dns.name
    import dns.tsig
    import dns.tsigkeyring
    (tmp_path / "d4").write_text("1.2.3.4\n")
    p1 = free_port()
    prim = start_tsig_primary(tmp_path, p1)
    wrong = "d3JvbmctKy1zZWNyZXQtZm9yLWRuc3hsZC14ZnItdGVzdHM="
    try:
        cases = [("nokey.", SECRET, "hmac-sha256", dns.tsig.PeerBadKey),
                 ("xfr-key.", SECRET, "hmac-sha1", dns.tsig.PeerBadKey),
                 ("xfr-key.", wrong, "hmac-sha256",
                  dns.tsig.PeerBadSignature)]
        for name, secret, alg, exc in cases:
            ring = dns.tsigkeyring.from_text({name: secret})
            q = dns.message.make_query(ZONE, "AXFR")
            q.use_tsig(ring, keyname=name, algorithm=alg)
            wire = _tcp_raw(p1, q.to_wire())
            assert wire[3] & 0xF == dns.rcode.NOTAUTH, name
            assert struct.unpack("!H", wire[10:12])[0] == 1   # the TSIG
            with pytest.raises(exc):
                dns.message.from_wire(wire, keyring=ring, request_mac=q.mac)
            # unsigned: MAC size 0 (then original ID, error, other length 0)
            assert wire[-8:-6] == b"\x00\x00"
        # a key that verifies but is not listed: REFUSED, signed
        ring = dns.tsigkeyring.from_text({"other-key.": SECRET})
        q = dns.message.make_query(ZONE, "AXFR")
        q.use_tsig(ring, keyname="other-key.", algorithm="hmac-sha256")
        r = dns.query.tcp(q, "127.0.0.1", port=p1, timeout=3)
        assert r.rcode() == dns.rcode.REFUSED and r.had_tsig
        # BADTIME: signed an hour ago
        ring = dns.tsigkeyring.from_text({"xfr-key.": SECRET})
        q = dns.message.make_query(ZONE, "AXFR")
        q.use_tsig(ring, keyname="xfr-key.", algorithm="hmac-sha256")
        then = int(time.time()) - 3600
        with monkeypatch.context() as m:
            m.setattr(time, "time", lambda: then)
            req = q.to_wire()
        wire = _tcp_raw(p1, req)
        assert wire[3] & 0xF == dns.rcode.NOTAUTH
        with pytest.raises(dns.tsig.PeerBadTime):
            dns.message.from_wire(wire, keyring=ring, request_mac=q.mac)
        qlen = 12 + len(dns.name.from_text(ZONE).to_wire()) + 4
        owner = dns.name.from_text("xfr-key.").to_wire()
        alg = dns.name.from_text("hmac-sha256.").to_wire()
        rd = wire[qlen + len(owner) + 10:]
        assert rd[:len(alg)] == alg
        p = len(alg)
        tsigned = int.from_bytes(rd[p:p + 6], "big")
        fudge, maclen = struct.unpack("!HH", rd[p + 6:p + 10])
        mac = rd[p + 10:p + 10 + maclen]
        orig, err, olen = struct.unpack("!HHH", rd[p + 10 + maclen:
                                                   p + 16 + maclen])
        other = rd[p + 16 + maclen:]
        assert (tsigned, err, olen, maclen) == (then, 18, 6, 32)
        assert abs(int.from_bytes(other, "big") - time.time()) < 10
        assert orig == q.id
        msg = wire[:10] + b"\x00\x00" + wire[12:qlen]
        data = (struct.pack("!H", len(q.mac)) + q.mac + msg + owner +
                struct.pack("!HI", 255, 0) + alg + rd[p:p + 8] +
                struct.pack("!HH", 18, 6) + other)
        key = base64.b64decode(SECRET)
        assert hmac.new(key, data, hashlib.sha256).digest() == mac
        log = (tmp_path / "server.log").read_text()
        assert 'TSIG key "nokey.": BADKEY' in log
        assert 'TSIG key "xfr-key.": BADSIG' in log
        assert 'TSIG key "xfr-key.": BADTIME' in log
        # the good key still transfers
        z = dns.zone.Zone(ZONE)
        q = dns.message.make_query(ZONE, "AXFR")
        q.use_tsig(ring, keyname="xfr-key.", algorithm="hmac-sha256")
        dns.query.inbound_xfr("127.0.0.1", z, query=q, port=p1, timeout=5)
        assert z.get_rdataset("4.3.2.1", "A")[0].address == "127.0.0.2"
    finally:
        prim.stop()


def test_notify_does_not_block(tmp_path):
    """NOTIFY runs on its own event loop: two silent secondaries for three
    zones (3 tries x 300 ms each, 5.4 s if sent one after the other on the
    main thread) delay neither the start nor the answers; the silent ones
    get each NOTIFY 3 times, the one that answers once per zone."""
    import threading
    (tmp_path / "d4").write_text("1.2.3.4\n")
    p1 = free_port()
    socks = []
    for _ in range(3):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    answered = []

    def answer(s):
        s.settimeout(0.2)
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            try:
                data, addr = s.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            m = dns.message.from_wire(data)
            answered.append(m.question[0].name.to_text())
            s.sendto(dns.message.make_response(m).to_wire(), addr)

    t = threading.Thread(target=answer, args=(socks[2],), daemon=True)
    t.start()
    targets = ", ".join(f'"127.0.0.1@{p}"' for p in ports)
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{p1}
  notify: [ {targets} ]
datasets:
  - {{ name: v4, type: ip4trie, files: [ d4 ] }}
zones:
  - {{ name: a.test, datasets: [ v4 ] }}
  - {{ name: b.test, datasets: [ v4 ] }}
  - {{ name: c.test, datasets: [ v4 ] }}
""")
    t0 = time.monotonic()
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], p1,
                  cwd=tmp_path, probe="a.test")
    try:
        started = time.monotonic() - t0
        assert ask(p1, "4.3.2.1.c.test", "A")[0] == "NOERROR"
        assert started < 2.5, f"start took {started:.1f}s"
        time.sleep(1.5)          # every try of every NOTIFY is over
        got = []
        for s in socks[:2]:
            s.setblocking(False)
            try:
                while True:
                    data = s.recv(4096)
                    got.append((s.getsockname()[1],
                                dns.message.from_wire(data).question[0]
                                .name.to_text()))
            except BlockingIOError:
                pass
        for p in ports[:2]:
            assert sorted(n for q, n in got if q == p) == \
                ["a.test."] * 3 + ["b.test."] * 3 + ["c.test."] * 3
        assert sorted(answered) == ["a.test.", "b.test.", "c.test."]
        log = (tmp_path / "server.log").read_text()
        assert f"notify: b.test to 127.0.0.1@{ports[0]}: no answer" in log
        assert f"to 127.0.0.1@{ports[2]}: rcode 0" in log
    finally:
        prim.stop()
        for s in socks:
            s.close()


def test_notify_signed_with_tsig(tmp_path):
    """notify: "addr@port key NAME" signs the NOTIFY with that key (a
    secondary may require it); dnspython verifies the signature."""
    import dns.tsigkeyring
    (tmp_path / "d4").write_text("1.2.3.4\n")
    p1 = free_port()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    pn = s.getsockname()[1]
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{p1}
  tsig-keys:
    - {{ name: xfr-key, algorithm: hmac-sha256, secret: "{SECRET}" }}
datasets:
  - {{ name: v4, type: ip4trie, files: [ d4 ] }}
zones:
  - name: {ZONE}
    datasets: [ v4 ]
    notify: [ "127.0.0.1@{pn} key xfr-key" ]
""")
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], p1,
                  cwd=tmp_path, probe=ZONE)
    try:
        data, addr = s.recvfrom(4096)
        ring = dns.tsigkeyring.from_text({"xfr-key.": SECRET})
        m = dns.message.from_wire(data, keyring=ring)
        assert m.had_tsig and m.keyname == dns.name.from_text("xfr-key.")
        assert m.opcode() == dns.opcode.NOTIFY
        assert m.question[0].name.to_text() == ZONE + "."
        bad = dns.tsigkeyring.from_text(
            {"xfr-key.": "d3JvbmctKy1zZWNyZXQtZm9yLWRuc3hsZC14ZnItdGVzdHM="})
        with pytest.raises(dns.tsig.BadSignature):
            dns.message.from_wire(data, keyring=bad)
        s.sendto(dns.message.make_response(m).to_wire(), addr)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and \
                "rcode 0" not in (tmp_path / "server.log").read_text():
            time.sleep(0.05)
        assert f"notify: {ZONE} serial" in (tmp_path / "server.log").read_text()
    finally:
        s.close()
        prim.stop()


def test_aws_feed_zone_to_nsd(tmp_path):
    """The aws-ip-ranges feed type is rendered too: NSD transfers a zone
    of the small AWS fixture and answers its prefixes as dnsxld does."""
    import json
    if not os.path.exists(NSD):
        pytest.skip("nsd not installed (make test-deps)")
    root = pathlib.Path(__file__).resolve().parents[2]
    fixture = root / "tests" / "fixtures" / "feeds" / "aws_ip-ranges_small.json"
    data = json.loads(fixture.read_text())
    nets = [(ipaddress.ip_network(p["ip_prefix"]), False)
            for p in data.get("prefixes", [])]
    nets += [(ipaddress.ip_network(p["ipv6_prefix"]), False)
             for p in data.get("ipv6_prefixes", [])]
    assert nets
    zone = "aws.test"
    p1, p2 = free_port(), free_port()
    while p2 == p1:
        p2 = free_port()
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(f"""server:
  listen: 127.0.0.1@{p1}
  allow-transfer: [ 127.0.0.1 ]
zones:
  - name: {zone}
    specs: [ "aws-ip-ranges:{fixture}" ]
""")
    prim = Server([str(BUILD / "dnsxld"), "-n", "--config", str(conf)], p1,
                  cwd=tmp_path, probe=zone)
    sdir = tmp_path / "nsd"
    sdir.mkdir()
    (sdir / "sec.conf").write_text(nsd_conf(sdir, p2, p1, zone))
    sec = subprocess.Popen([NSD, "-d", "-c", str(sdir / "sec.conf")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_serial_zone(p2, zone, soa_serial_zone(p1, zone))
        rng = random.Random(1602)
        addrs = sample(rng, rng.sample(nets, min(len(nets), 40)), 3)
        compare(p1, p2, addrs, zone)
        listed = [a for a in addrs if ask(p1, rev(a, zone), "A")[1]]
        assert len(listed) > 50
    finally:
        sec.terminate()
        try:
            sec.wait(timeout=5)
        except subprocess.TimeoutExpired:
            sec.kill()
            sec.wait()
        prim.stop()
