"""SPF-derived datasets end to end: a fake authoritative server on loopback
publishes a MailerSend-like SPF tree (nested includes, a TXT split into
several strings, IPv6, an EU include with its own region), dnsxld resolves
it through `resolver:` and answers the ranges with the service code; a
changed record is picked up by the refresh on its own; SERVFAIL, a stopped
server and a mass shrink keep the old ranges. A second part serves the tree
from dnsxld's own `generic` dataset instead."""
import pathlib
import re
import socket
import subprocess
import threading
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from conftest import BUILD, Server, free_port

ZONE = "wl.example.org"


class FakeAuth:
    """A tiny authoritative server on 127.0.0.1 (UDP) for SPF trees.

    records: {name: [(type, rdata text), ...]}; names absent -> NXDOMAIN.
    mode "servfail" answers SERVFAIL to everything, "silent" drops queries.
    """

    def __init__(self, records, ttl=1):
        self.records = records
        self.ttl = ttl
        self.mode = "ok"
        self.queries = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        deadline = time.monotonic() + 120     # never outlive a test run
        while self.running and time.monotonic() < deadline:
            try:
                data, peer = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                q = dns.message.from_wire(data)
            except Exception:
                continue
            self.queries += 1
            if self.mode == "silent":
                continue
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            qn = q.question[0]
            name = qn.name.to_text(omit_final_dot=True).lower()
            if self.mode == "servfail":
                r.set_rcode(dns.rcode.SERVFAIL)
            elif name not in self.records:
                r.set_rcode(dns.rcode.NXDOMAIN)
            else:
                want = dns.rdatatype.to_text(qn.rdtype)
                rd = [v for t, v in self.records[name] if t == want]
                if rd:
                    r.answer.append(dns.rrset.from_text(qn.name, self.ttl,
                                                        "IN", want, *rd))
            self.sock.sendto(r.to_wire(), peer)

    def stop(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


TREE = {
    "_spf.mailersend.net": [
        ("TXT", '"v=spf1 include:spf.mailersend.net include:spf-eu.mailersend.net ~all"'),
    ],
    "spf.mailersend.net": [
        # one record in two strings (RFC 7208 3.3: joined without a space)
        ("TXT", '"v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.128/25 ip6:2001:db8:1::/48 " "ip4:198.18.0.0/24 -all"'),
        ("TXT", '"google-site-verification=abc"'),
    ],
    "spf-eu.mailersend.net": [
        ("TXT", '"v=spf1 ip4:198.51.100.0/24 exists:%{i}.x.mailersend.net -all"'),
    ],
}

CONF = """\
server:
  check-interval: 1
codes:
  services:
    - {{ id: 3, name: mailersend, description: "MailerSend" }}
  regions:
    - {{ id: 0, name: global, description: "global" }}
    - {{ id: 9, name: EUR, description: "Europe" }}
  txt: "{{service}} {{region}} {{tag}} {{prefix}}"
resolver: [ "127.0.0.1@{port}" ]
datasets:
  - name: mailersend
    type: spf
    domain: _spf.mailersend.net
    service: mailersend
    region: global
    refresh-min: 1
    regions: {{ "spf-eu.mailersend.net": EUR }}
zones:
  - name: wl.example.org
    datasets: [ mailersend ]
"""


def rev4(ip):
    return ".".join(reversed(ip.split("."))) + "." + ZONE


def rev6(ip):
    import ipaddress
    nib = ipaddress.IPv6Address(ip).exploded.replace(":", "")
    return ".".join(reversed(nib)) + "." + ZONE


def a_txt(srv, name):
    r = srv.query(name, "A")
    if r.rcode() != dns.rcode.NOERROR or not r.answer:
        return dns.rcode.to_text(r.rcode())
    a = r.answer[0][0].to_text()
    t = srv.query(name, "TXT")
    return a, b"".join(t.answer[0][0].strings).decode()


def wait_for(fn, want, timeout=10.0):
    deadline = time.monotonic() + timeout
    got = fn()
    while got != want and time.monotonic() < deadline:
        time.sleep(0.2)
        got = fn()
    return got


@pytest.fixture
def fake():
    f = FakeAuth({k: list(v) for k, v in TREE.items()})
    yield f
    f.stop()


def start(dnsxld_server, tmp_path, fake, conf=CONF):
    cfg = tmp_path / "dnsxld.conf"
    cfg.write_text(conf.format(port=fake.port))
    return dnsxld_server([], config=cfg, probe=ZONE), cfg


def test_mailersend_ranges_codes_and_chain(dnsxld_server, tmp_path, fake):
    srv, cfg = start(dnsxld_server, tmp_path, fake)
    assert a_txt(srv, rev4("192.0.2.5")) == (
        "127.0.0.48", "mailersend global spf.mailersend.net 192.0.2.0/24")
    assert a_txt(srv, rev4("192.0.2.200")) == (
        "127.0.0.48", "mailersend global spf.mailersend.net 192.0.2.128/25")
    # the second string of the split TXT record
    assert a_txt(srv, rev4("198.18.0.1")) == (
        "127.0.0.48", "mailersend global spf.mailersend.net 198.18.0.0/24")
    assert a_txt(srv, rev6("2001:db8:1::25")) == (
        "127.0.0.48", "mailersend global spf.mailersend.net 2001:db8:1::/48")
    # the EU include has its own region
    assert a_txt(srv, rev4("198.51.100.9")) == (
        "127.0.0.57", "mailersend EUR spf-eu.mailersend.net 198.51.100.0/24")
    assert a_txt(srv, rev4("203.0.113.1")) == "NXDOMAIN"
    # exists: is reported (not silently dropped)
    log = (tmp_path / "server.log").read_text()
    assert ('SPF spf-eu.mailersend.net: "exists:%{i}.x.mailersend.net": '
            "exists cannot be expanded into ranges: left out") in log
    out = subprocess.run([str(BUILD / "dnsxl"), "lookup", "--config",
                          str(cfg), "192.0.2.5", "198.51.100.9"],
                         capture_output=True, text=True, timeout=20)
    assert out.returncode == 0, out.stderr
    assert ("via _spf.mailersend.net -> spf.mailersend.net\n") in out.stdout
    assert "prefix=192.0.2.0/24 A=127.0.0.48" in out.stdout
    assert re.search(r'A=127\.0\.0\.57 TXT="mailersend EUR '
                     r'spf-eu\.mailersend\.net 198\.51\.100\.0/24" '
                     r'\(version -, age 0m[0-9]s\) via _spf\.mailersend\.net '
                     r'-> spf-eu\.mailersend\.net \(region EUR\)\n',
                     out.stdout), out.stdout


def test_refresh_then_failures_keep_ranges(dnsxld_server, tmp_path, fake):
    srv, _ = start(dnsxld_server, tmp_path, fake)
    assert a_txt(srv, rev4("203.0.113.1")) == "NXDOMAIN"
    # the provider adds a range: the refresh picks it up on its own
    fake.records["spf.mailersend.net"][0] = (
        "TXT", '"v=spf1 ip4:192.0.2.0/24 ip4:192.0.2.128/25 '
        'ip6:2001:db8:1::/48 ip4:198.18.0.0/24 ip4:203.0.113.0/24 -all"')
    want = ("127.0.0.48", "mailersend global spf.mailersend.net 203.0.113.0/24")
    assert wait_for(lambda: a_txt(srv, rev4("203.0.113.1")), want) == want

    # SERVFAIL: logged, the ranges stay
    fake.mode = "servfail"
    log = tmp_path / "server.log"
    assert wait_for(lambda: "TXT lookup failed (SERVFAIL or timeout)"
                    in log.read_text(), True) is True
    assert wait_for(lambda: "keeping the 6 ranges of the last complete "
                    "resolution" in log.read_text(), True) is True
    assert a_txt(srv, rev4("203.0.113.1")) == want
    assert a_txt(srv, rev4("198.51.100.9"))[0] == "127.0.0.57"

    # an include gone (NXDOMAIN): the same
    fake.mode = "ok"
    del fake.records["spf-eu.mailersend.net"]
    assert wait_for(lambda: "spf-eu.mailersend.net: no such domain "
                    "(NXDOMAIN)" in log.read_text(), True) is True
    assert a_txt(srv, rev4("198.51.100.9"))[0] == "127.0.0.57"

    # the server stops answering: timeouts, the ranges stay
    fake.mode = "silent"
    n = log.read_text().count("TXT lookup failed")
    assert wait_for(lambda: log.read_text().count("TXT lookup failed") > n,
                    True, timeout=20) is True
    assert a_txt(srv, rev4("203.0.113.1")) == want
    assert a_txt(srv, rev4("198.51.100.9"))[0] == "127.0.0.57"


def test_mass_shrink_refused(dnsxld_server, tmp_path, fake):
    srv, _ = start(dnsxld_server, tmp_path, fake)
    # 5 prefixes -> 1: more than max-shrink 50% lost, the reload is refused
    fake.records["spf.mailersend.net"][0] = ("TXT", '"v=spf1 -all"')
    del fake.records["spf-eu.mailersend.net"][0]
    fake.records["spf-eu.mailersend.net"].append(
        ("TXT", '"v=spf1 ip4:198.51.100.0/24 -all"'))
    log = tmp_path / "server.log"
    assert wait_for(lambda: "max-shrink" in log.read_text(), True) is True
    assert a_txt(srv, rev4("192.0.2.5"))[0] == "127.0.0.48"


BROKEN = {
    "_spf.broken.test": [
        ("TXT", '"v=spf1 ptr -ip4:10.2.0.0/16 include:%{d}.m.broken.test '
         'include:loop1.broken.test include:deep0.broken.test '
         'include:gone.broken.test ip4:10.1.0.0/16 ~all"'),
    ],
    "loop1.broken.test": [("TXT", '"v=spf1 ip4:10.3.0.0/16 include:loop2.broken.test"')],
    "loop2.broken.test": [("TXT", '"v=spf1 include:loop1.broken.test"')],
    "two.broken.test": [("TXT", '"v=spf1 ip4:10.4.0.0/16"'), ("TXT", '"v=spf1 -all"')],
}
for i in range(12):
    BROKEN[f"deep{i}.broken.test"] = [
        ("TXT", f'"v=spf1 ip4:10.5.{i}.0/24 include:deep{i + 1}.broken.test"')]


def test_check_reports_every_problem(tmp_path):
    f = FakeAuth(BROKEN, ttl=300)
    try:
        cfg = tmp_path / "dnsxld.conf"
        cfg.write_text(f"""\
resolver: [ "127.0.0.1@{f.port}" ]
datasets:
  - {{ name: broken, type: spf, domain: _spf.broken.test }}
zones:
  - {{ name: wl.example.org, datasets: [ broken ] }}
""")
        out = subprocess.run([str(BUILD / "dnsxl"), "check", "--config",
                              str(cfg)], capture_output=True, text=True,
                             timeout=30)
    finally:
        f.stop()
    err = out.stderr
    assert out.returncode == 1
    assert "loop: loop1.broken.test is already being read above it" in err
    assert "over the limit of 10 DNS lookups (permerror)" in err
    assert '"ptr": ptr cannot be expanded into ranges' in err
    assert '"-ip4:10.2.0.0/16": not a sending range (qualifier \'-\')' in err
    assert '"include:%{d}.m.broken.test": a macro cannot be expanded' in err
    # lookups: 1 ptr, 2 the macro include, 3 loop1, 4 loop2, 5 loop1 again
    # (the loop), 6-10 deep0..deep4, deep4's include is the 11th: ranges
    # 10.3/16 (loop1), 10.5.0-4.0/24, 10.1/16
    assert ("resolution incomplete (2 errors) and no previous ranges: "
            "using the 7 found") in err
    assert re.search(r"broken \(spf\): \d+ entr", out.stdout), out.stdout


GENERIC = """\
_spf 1 TXT "v=spf1 include:spf.mailersend.net ~all"
spf 1 TXT "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/25 -all"
"""


def test_tree_served_by_dnsxld_generic(dnsxld_server, tmp_path):
    """The upstream is a second dnsxld with a generic zone; stopping it
    keeps the ranges."""
    updir = tmp_path / "upstream"
    updir.mkdir()
    (updir / "mailersend.generic").write_text(GENERIC)
    port = free_port()
    up = Server([str(BUILD / "dnsxld"), "-n", "-b", f"127.0.0.1/{port}",
                 "mailersend.net:generic:mailersend.generic"], port,
                cwd=updir, probe="mailersend.net")
    cfg = tmp_path / "dnsxld.conf"
    cfg.write_text(CONF.format(port=up.port).replace(
        '    regions: { "spf-eu.mailersend.net": EUR }\n', ""))
    try:
        srv = dnsxld_server([], config=cfg, probe=ZONE)
        assert a_txt(srv, rev4("198.51.100.77")) == (
            "127.0.0.48", "mailersend global spf.mailersend.net 198.51.100.0/25")
        up.stop()
        log = tmp_path / "server.log"
        assert wait_for(lambda: "TXT lookup failed" in log.read_text(), True,
                        timeout=20) is True
        assert a_txt(srv, rev4("198.51.100.77"))[0] == "127.0.0.48"
        assert a_txt(srv, rev4("192.0.2.1"))[0] == "127.0.0.48"
    finally:
        up.stop()
