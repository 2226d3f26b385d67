"""Regression tests for bugs found by the differential test against rbldnsd."""
import dns.rdatatype


def _ttls(reply, rdtype):
    return sorted(rrset.ttl for rrset in reply.answer if rrset.rdtype == rdtype)


def test_base_template_applies_to_entries_without_txt(tmp_path, dnsxld_server):
    # rbldnsd: with "$=" set, an entry with no text (bare, or ":A:") still
    # gets a TXT made from the base template.
    (tmp_path / "d.txt").write_text("$= Base [$=]\n10.1.2.3\n10.1.2.4 :5:\n")
    srv = dnsxld_server(["bl.test:ip4set:d.txt"])
    for ip in ("10.1.2.3", "10.1.2.4"):
        r = srv.query(".".join(reversed(ip.split("."))) + ".bl.test", "TXT")
        texts = [b"".join(rd.strings).decode() for rrset in r.answer for rd in rrset]
        assert texts == [f"Base [{ip}]"]


def test_one_ttl_per_rrset_smallest_wins(tmp_path, dnsxld_server):
    # RFC 2181 5.2, and what rbldnsd sends: two datasets giving the same
    # name A records with different TTLs answer with the smallest TTL, also
    # when the two A values are equal and merged into one record.
    (tmp_path / "a.txt").write_text("$TTL 2d\n:2:\n10.0.0.1\n")
    (tmp_path / "b.txt").write_text("$TTL 300\n:3:\n10.0.0.1\n")
    (tmp_path / "c.txt").write_text("$TTL 60\n:2:\n10.0.0.1\n")
    srv = dnsxld_server(["bl.test:ip4set:a.txt", "bl.test:ip4set:b.txt",
                         "bl.test:ip4set:c.txt"])
    r = srv.query("1.0.0.10.bl.test", "A")
    assert len(r.answer) == 1
    assert sorted(rd.address for rd in r.answer[0]) == ["127.0.0.2", "127.0.0.3"]
    assert r.answer[0].ttl == 60


def test_generic_rrset_ttl_is_the_smallest(tmp_path, dnsxld_server):
    (tmp_path / "g.txt").write_text("$TTL 2d\nb 300 TXT first\nb TXT second\n")
    srv = dnsxld_server(["gen.test:generic:g.txt"])
    r = srv.query("b.gen.test", "TXT")
    assert _ttls(r, dns.rdatatype.TXT) == [300]
    assert sorted(b"".join(rd.strings).decode() for rd in r.answer[0]) == ["first", "second"]
