"""The shipped zones (zones/, conf/dnsxld.conf) answer every range of every
seed document as the hand-made table (seed_table.py) says: for the first,
middle and last address of each range, exactly the expected A codes and one
TXT per match naming service, region, pool and the matched prefix.
"""
import ipaddress
import os
import pathlib
import re

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

import seed_table as T
from conftest import ROOT

ZONE = "wl.example.org"
CONF = ROOT / "conf" / "dnsxld.conf"
# Opt-in cross-check against the seed documents (outside the project, so
# never read by default): DNSXL_SEEDS=/path/to/seeds make test
SEEDS = pathlib.Path(os.environ["DNSXL_SEEDS"]) if os.environ.get("DNSXL_SEEDS") else None


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    """The real dnsxld with the shipped config, on a random loopback port."""
    s = T.start_seed_server(ROOT, tmp_path_factory.mktemp("seeds"), "dnsxld", ZONE)
    yield s
    s.stop()


def txt_for(service, region, prefix):
    return (f"{T.SERVICES[service][1]} ({service}), region {region} "
            f"({T.REGIONS[region][1]}), pool {T.POOL}, matched {prefix}")


def answer(srv, addr, rdtype, host=None):
    r = srv.query(T.reverse_name(addr, ZONE), rdtype, host=host)
    if r.flags & dns.flags.TC:   # 4 TXT records exceed 512 bytes: retry on TCP, as resolvers do
        r = srv.query(T.reverse_name(addr, ZONE), rdtype, host=host, tcp=True)
        assert not r.flags & dns.flags.TC
    vals = []
    for rrset in r.answer:
        assert rrset.rdtype == dns.rdatatype.from_text(rdtype)
        for rd in rrset:
            vals.append(rd.address if rdtype == "A" else b"".join(rd.strings).decode())
    return r, vals


def check_addr(srv, addr, host=None):
    hits = T.expected_hits(addr)
    assert hits, f"{addr}: the table lists no range for it"
    r, codes = answer(srv, addr, "A", host)
    assert r.rcode() == dns.rcode.NOERROR, addr
    assert r.flags & dns.flags.AA, addr
    assert sorted(codes) == sorted(T.code(s, reg) for s, reg, _ in hits), addr
    r, txts = answer(srv, addr, "TXT", host)
    assert r.rcode() == dns.rcode.NOERROR, addr
    assert sorted(txts) == sorted(txt_for(*h) for h in hits), addr


@pytest.mark.parametrize("row", T.RANGES, ids=lambda row: f"{row[0]}-{row[2]}-{row[3]}")
def test_range(srv, row):
    _doc, _svc, _reg, prefix, _hits = row
    for addr in T.probes(prefix):
        check_addr(srv, addr)


def test_ipv6_transport(srv):
    """The same answers over ::1 (listen on both families)."""
    check_addr(srv, "40.78.242.5", host="::1")
    check_addr(srv, "2a01:111:f400:7e80::1", host="::1")


@pytest.mark.parametrize("addr", T.UNLISTED)
def test_unlisted(srv, addr):
    for rdtype in ("A", "TXT"):
        r = srv.query(T.reverse_name(addr, ZONE), rdtype)
        assert r.rcode() == dns.rcode.NXDOMAIN, (addr, rdtype)
        assert not r.answer
        # negative answers carry the SOA, so resolvers cache them
        assert [rr.rdtype for rr in r.authority] == [dns.rdatatype.SOA]


def test_rfc5782_entries(srv):
    _, codes = answer(srv, "127.0.0.2", "A")
    assert codes == ["127.0.0.2"]
    r = srv.query(T.reverse_name("127.0.0.1", ZONE), "A")
    assert r.rcode() == dns.rcode.NXDOMAIN   # rspamd's liveness probe


# --- the table and the shipped files, without a server -------------------

def test_table_consistent():
    """Identical prefixes have identical hits; an inner range's hits name
    every dataset of the ranges around it (so most-specific lookup holds)."""
    rows = [(T.net(p), svc, reg, hits) for _d, svc, reg, p, hits in T.RANGES]
    for n, svc, reg, hits in rows:
        assert (svc, reg, str(n)) in hits
        assert len({(s, r) for s, r, _ in hits}) == len(hits)
        for m, svc2, reg2, hits2 in rows:
            if m.version != n.version or not n.subnet_of(m):
                continue
            if m == n:
                assert sorted(hits) == sorted(hits2), n
            else:
                assert {(s, r) for s, r, _ in hits2} <= {(s, r) for s, r, _ in hits}, (n, m)


def test_table_covers_seed_documents():
    """Every prefix written in a seed document is in the table, per doc."""
    if SEEDS is None or not SEEDS.is_dir():
        pytest.skip("set DNSXL_SEEDS to the seed documents folder to cross-check the table")
    docs = {p.name[:3]: p for p in SEEDS.glob("0*.txt")}
    assert sorted(docs) == sorted(T.DOCS)
    for doc, path in docs.items():
        text = path.read_text()
        found = set()
        for tok in re.findall(r"[0-9a-fA-F:.]+/\d+", text):
            try:
                found.add(str(ipaddress.ip_network(tok)))
            except ValueError:
                pass    # dates such as 8/2/2018
        table = {p for d, _s, _r, p, _h in T.RANGES if d == doc}
        assert found == table, doc


def test_zone_files_shape():
    """One file per (service, region, family), each opening with its
    source, no :A:TXT line, and each named by exactly one dataset."""
    conf = CONF.read_text()
    files = sorted((ROOT / "zones").rglob("*.ip[46]"))
    assert len(files) == 12 + 8
    for f in files:
        rel = f.relative_to(ROOT / "zones").as_posix()
        lines = f.read_text().splitlines()
        assert lines[0].startswith("# ") and "ms.date" in "\n".join(lines[:4]), rel
        assert not any(ln.startswith(":") for ln in lines), rel
        assert len(re.findall(r"files: \[ " + re.escape(rel) + r" \]", conf)) == 1, rel


def test_rbldnsd_agrees_on_codes(tmp_path):
    """rbldnsd, given the same files with the config's codes as `:A:`
    default lines, answers the same A codes as the table (no TXT: rbldnsd
    cannot name the matched prefix)."""
    s = T.start_seed_server(ROOT, tmp_path, "rbldnsd")
    try:
        for _doc, _svc, _reg, prefix, _hits in T.RANGES:
            for addr in T.probes(prefix):
                _, codes = answer(s, addr, "A")
                assert sorted(codes) == sorted(T.code(a, b) for a, b, _ in T.expected_hits(addr)), addr
        for addr in T.UNLISTED:
            assert s.query(T.reverse_name(addr, ZONE), "A").rcode() == dns.rcode.NXDOMAIN, addr
    finally:
        s.stop()
