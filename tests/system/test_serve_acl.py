"""Client ACLs (rbldnsd acl datasets) on the query path: the verdict for the
peer address decides ignore / refuse / empty / value / pass."""
import dns.exception
import dns.rcode
import pytest

ZONE = "bl.example.org"
LISTED = "5.242.78.40." + ZONE
UNLISTED = "1.242.78.40." + ZONE


def start(dnsxld_server, tmp_path, acl_text):
    (tmp_path / "bl.ip4").write_text(":127.0.0.3:Listed $\n40.78.242.5\n")
    (tmp_path / "bl.acl").write_text(acl_text)
    # probe over ::1, which no acl below touches
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4", f"{ZONE}:acl:bl.acl"])
    return srv


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_acl_refuse(dnsxld_server, tmp_path, tcp):
    srv = start(dnsxld_server, tmp_path, "127.0.0.1 :refuse\n")
    r = srv.query(LISTED, "A", host="127.0.0.1", tcp=tcp)
    assert r.rcode() == dns.rcode.REFUSED
    assert r.answer == []
    r = srv.query(LISTED, "A", host="::1", tcp=tcp)
    assert r.answer[0][0].address == "127.0.0.3"


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_acl_ignore(dnsxld_server, tmp_path, tcp):
    (tmp_path / "bl.ip4").write_text(":127.0.0.3:Listed $\n40.78.242.5\n")
    (tmp_path / "bl.acl").write_text("::1 :ignore\n")
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4", f"{ZONE}:acl:bl.acl"])
    with pytest.raises(dns.exception.Timeout):
        srv.query(LISTED, "A", host="::1", tcp=tcp, timeout=0.7)
    r = srv.query(LISTED, "A", host="127.0.0.1", tcp=tcp)
    assert r.answer[0][0].address == "127.0.0.3"


def test_acl_empty(dnsxld_server, tmp_path):
    srv = start(dnsxld_server, tmp_path, "127.0.0.1 :empty\n")
    r = srv.query(LISTED, "A", host="127.0.0.1")
    assert r.rcode() == dns.rcode.NXDOMAIN
    r = srv.query(ZONE, "SOA", host="127.0.0.1")
    assert r.rcode() == dns.rcode.NOERROR
    assert len(r.answer) == 1
    r = srv.query(LISTED, "A", host="::1")
    assert r.answer[0][0].address == "127.0.0.3"


def test_acl_value(dnsxld_server, tmp_path):
    srv = start(dnsxld_server, tmp_path, "127.0.0.1 :127.0.0.9:acl says $\n")
    for name in (LISTED, UNLISTED):
        r = srv.query(name, "A", host="127.0.0.1")
        assert [x.address for x in r.answer[0]] == ["127.0.0.9"]
        r = srv.query(name, "TXT", host="127.0.0.1")
        assert [x.strings for x in r.answer[0]] == [(b"acl says 127.0.0.1",)]
    r = srv.query(UNLISTED, "A", host="::1")
    assert r.rcode() == dns.rcode.NXDOMAIN


def test_acl_pass_overrides_larger_range(dnsxld_server, tmp_path):
    srv = start(dnsxld_server, tmp_path, "127.0.0.0/8 :refuse\n127.0.0.1 :pass\n")
    r = srv.query(LISTED, "A", host="127.0.0.1")
    assert r.answer[0][0].address == "127.0.0.3"
