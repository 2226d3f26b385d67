"""The runtime allowlist on the query path (docs/allowlist.md): active,
paused and absent entries, each deny action, per-zone lists, IPv6, an
empty list allowing everyone, and a broken file refusing to start."""
import subprocess

import dns.exception
import dns.rcode
import pytest

from conftest import BUILD, free_port
from ctl_util import (BL, LISTED, UNLISTED, WL, WL_LISTED, ask, start,
                      write_conf)


def addresses(r):
    return [x.address for rr in r.answer for x in rr]


def test_no_file_and_empty_list_allow_everyone(dnsxld_server, tmp_path):
    conf = write_conf(tmp_path)                  # allow.txt does not exist
    srv = start(dnsxld_server, conf)
    for src in ("127.0.0.5", "127.0.0.6", "::1"):
        assert addresses(ask(srv, LISTED, src=src)) == ["127.0.0.2"]
    srv.stop()
    (tmp_path / "allow.txt").write_text("# nothing yet\n\n")
    srv = start(dnsxld_server, conf)
    assert addresses(ask(srv, LISTED, src="127.0.0.6")) == ["127.0.0.2"]


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_listed_allowed_unlisted_refused(dnsxld_server, tmp_path, tcp):
    (tmp_path / "allow.txt").write_text("office 127.0.0.5\n")
    srv = start(dnsxld_server, write_conf(tmp_path))
    r = ask(srv, LISTED, src="127.0.0.5", tcp=tcp)
    assert r.rcode() == dns.rcode.NOERROR
    assert addresses(r) == ["127.0.0.2"]
    r = ask(srv, LISTED, src="127.0.0.6", tcp=tcp)
    assert r.rcode() == dns.rcode.REFUSED
    assert r.answer == [] and r.authority == []
    for rdtype in ("TXT", "SOA", "NS"):
        r = ask(srv, BL if rdtype != "TXT" else LISTED, rdtype,
                src="127.0.0.6", tcp=tcp)
        assert r.rcode() == dns.rcode.REFUSED
        assert r.answer == []


def test_cidr_entry(dnsxld_server, tmp_path):
    (tmp_path / "allow.txt").write_text("lab 127.0.1.0/24\n")
    srv = start(dnsxld_server, write_conf(tmp_path))
    assert addresses(ask(srv, LISTED, src="127.0.1.77")) == ["127.0.0.2"]
    assert ask(srv, LISTED, src="127.0.2.1").rcode() == dns.rcode.REFUSED


@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
def test_action_drop(dnsxld_server, tmp_path, tcp):
    (tmp_path / "allow.txt").write_text("office 127.0.0.5\n")
    srv = start(dnsxld_server, write_conf(tmp_path, action="drop"))
    assert addresses(ask(srv, LISTED, src="127.0.0.5", tcp=tcp)) == \
        ["127.0.0.2"]
    with pytest.raises((dns.exception.Timeout, EOFError, ConnectionError)):
        ask(srv, LISTED, src="127.0.0.6", tcp=tcp, timeout=0.7)


def test_action_code(dnsxld_server, tmp_path):
    (tmp_path / "allow.txt").write_text("office 127.0.0.5\n")
    srv = start(dnsxld_server, write_conf(tmp_path, action="code"))
    # Listed or not, a denied querier sees the fixed code and no data.
    for name in (LISTED, UNLISTED):
        r = ask(srv, name, src="127.0.0.6")
        assert r.rcode() == dns.rcode.NOERROR
        assert addresses(r) == ["127.255.255.254"]
        assert r.answer[0].ttl == 0
        r = ask(srv, name, "TXT", src="127.0.0.6")
        assert r.rcode() == dns.rcode.NOERROR
        assert r.answer == []
    assert addresses(ask(srv, UNLISTED, src="127.0.0.5")) == []
    assert ask(srv, UNLISTED, src="127.0.0.5").rcode() == dns.rcode.NXDOMAIN
    assert addresses(ask(srv, LISTED, src="127.0.0.5")) == ["127.0.0.2"]


def test_action_code_custom(dnsxld_server, tmp_path):
    (tmp_path / "allow.txt").write_text("office 127.0.0.5\n")
    srv = start(dnsxld_server, write_conf(tmp_path, action="code",
                                          code="127.0.0.254"))
    assert addresses(ask(srv, LISTED, src="127.0.0.6")) == ["127.0.0.254"]


def test_paused_entries(dnsxld_server, tmp_path):
    # Only paused entries: the list is as good as empty.
    (tmp_path / "allow.txt").write_text("office 127.0.0.5 paused\n")
    srv = start(dnsxld_server, write_conf(tmp_path))
    assert addresses(ask(srv, LISTED, src="127.0.0.6")) == ["127.0.0.2"]
    assert addresses(ask(srv, LISTED, src="127.0.0.5")) == ["127.0.0.2"]
    srv.stop()
    # With another active entry, the paused one no longer lets its
    # address in.
    (tmp_path / "allow.txt").write_text("office 127.0.0.5 paused\n"
                                        "lab 127.0.0.7\n")
    srv = start(dnsxld_server, write_conf(tmp_path))
    assert ask(srv, LISTED, src="127.0.0.5").rcode() == dns.rcode.REFUSED
    assert addresses(ask(srv, LISTED, src="127.0.0.7")) == ["127.0.0.2"]


def test_per_zone_lists(dnsxld_server, tmp_path):
    (tmp_path / "allow.txt").write_text(
        "office 127.0.0.5\n"
        f"partner 127.0.0.6 zone={WL}\n")
    srv = start(dnsxld_server, write_conf(tmp_path, wl_action="drop"))
    # bl.test has no entries of its own: the global list decides.
    assert addresses(ask(srv, LISTED, src="127.0.0.5")) == ["127.0.0.2"]
    assert ask(srv, LISTED, src="127.0.0.6").rcode() == dns.rcode.REFUSED
    # wl.test has its own list, which replaces the global one, and its own
    # action (drop).
    assert addresses(ask(srv, WL_LISTED, src="127.0.0.6")) == ["127.0.0.2"]
    with pytest.raises(dns.exception.Timeout):
        ask(srv, WL_LISTED, src="127.0.0.5", timeout=0.7)


def test_ipv6_entry(dnsxld_server, tmp_path):
    (tmp_path / "allow.txt").write_text("v6 ::1/128\n")
    srv = start(dnsxld_server, write_conf(tmp_path))
    assert addresses(ask(srv, LISTED, src="::1")) == ["127.0.0.2"]
    assert ask(srv, LISTED, src="127.0.0.1").rcode() == dns.rcode.REFUSED


def test_acl_dataset_still_applies(dnsxld_server, tmp_path):
    """An allowed querier still meets rbldnsd's acl dataset."""
    (tmp_path / "allow.txt").write_text("office 127.0.0.0/24\n")
    (tmp_path / "bl.acl").write_text("127.0.0.5 :refuse\n")
    conf = write_conf(tmp_path)
    text = conf.read_text().replace(
        "    datasets: [bl]\n  - name: wl.test",
        "    datasets: [bl]\n    acl: a\n  - name: wl.test")
    text = text.replace("datasets:\n", "datasets:\n  - name: a\n"
                        "    type: acl\n    files: [bl.acl]\n", 1)
    conf.write_text(text)
    srv = start(dnsxld_server, conf)
    assert ask(srv, LISTED, src="127.0.0.5").rcode() == dns.rcode.REFUSED
    assert addresses(ask(srv, LISTED, src="127.0.0.6")) == ["127.0.0.2"]
    assert ask(srv, LISTED, src="127.0.1.6").rcode() == dns.rcode.REFUSED


def test_broken_file_refuses_to_start(tmp_path):
    (tmp_path / "allow.txt").write_text("good 127.0.0.5\nbad 127.0.0.300\n")
    conf = write_conf(tmp_path)
    p = subprocess.run([str(BUILD / "dnsxld"), "-n", "-b",
                        f"127.0.0.1/{free_port()}",
                        "--config", str(conf)], cwd=tmp_path,
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 1
    assert f"{tmp_path}/allow.txt:2: invalid address or CIDR " \
        "\"127.0.0.300\"" in p.stderr


def test_bad_config_values(tmp_path):
    conf = write_conf(tmp_path, action="maybe", code="localhost")
    p = subprocess.run([str(BUILD / "dnsxl"), "check", "--config",
                        str(conf)], capture_output=True, text=True,
                       timeout=10)
    assert p.returncode != 0
    assert 'allowlist: action: "maybe" is not refuse, drop or code' in p.stderr
    assert 'allowlist: code: "localhost" is not an IPv4 address' in p.stderr


def outcome(srv, src, name=LISTED):
    """What src gets for a listed name: "answer", "refused", "dropped" or
    "code"."""
    try:
        r = ask(srv, name, src=src, timeout=0.6)
    except dns.exception.Timeout:
        return "dropped"
    if r.rcode() == dns.rcode.REFUSED:
        return "refused"
    got = addresses(r)
    if got == ["127.0.0.2"]:
        return "answer"
    if got == ["127.255.255.254"]:
        return "code"
    return f"unexpected {dns.rcode.to_text(r.rcode())} {got}"


@pytest.mark.parametrize("action,denied", [("refuse", "refused"),
                                           ("drop", "dropped"),
                                           ("code", "code")])
def test_each_action_active_paused_deleted(dnsxld_server, tmp_path, action,
                                           denied):
    """Allowed, unlisted, paused and deleted entries under every action,
    edited through the control channel while serving."""
    from ctl_util import cleanup, dnsxl, short_dir
    d = short_dir()
    try:
        sock = d / "c.sock"
        srv = start(dnsxld_server, write_conf(tmp_path, sock=sock,
                                              action=action))
        assert outcome(srv, "127.0.0.5") == "answer"     # empty list
        for args in (("office", "127.0.0.5"), ("lab", "127.0.0.7")):
            assert dnsxl(sock, "acl", "add", *args).returncode == 0
        assert outcome(srv, "127.0.0.5") == "answer"     # active entry
        assert outcome(srv, "127.0.0.6") == denied       # unlisted
        assert dnsxl(sock, "acl", "pause", "office").returncode == 0
        assert outcome(srv, "127.0.0.5") == denied       # paused
        assert outcome(srv, "127.0.0.7") == "answer"
        assert dnsxl(sock, "acl", "resume", "office").returncode == 0
        assert outcome(srv, "127.0.0.5") == "answer"
        assert dnsxl(sock, "acl", "delete", "office").returncode == 0
        assert outcome(srv, "127.0.0.5") == denied       # deleted
        assert dnsxl(sock, "acl", "pause", "lab").returncode == 0
        # Every entry paused: everyone again.
        assert outcome(srv, "127.0.0.5") == "answer"
        assert outcome(srv, "127.0.0.6") == "answer"
        srv.stop()
    finally:
        cleanup(d)


def test_counters_in_metrics(dnsxld_server, tmp_path):
    """/metrics (ops) carries the allowlist and rrl counters."""
    import urllib.request
    from conftest import free_port
    mport = free_port()
    (tmp_path / "allow.txt").write_text("office 127.0.0.5\n"
                                        f"lab 127.0.0.7 zone={WL}\n")
    conf = write_conf(tmp_path)
    conf.write_text(conf.read_text().replace(
        "  workers: 1\n", f'  workers: 1\n  metrics-listen: "127.0.0.1@{mport}"\n'))
    srv = start(dnsxld_server, conf)
    for _ in range(3):
        ask(srv, LISTED, src="127.0.0.5")
    ask(srv, LISTED, src="127.0.0.6")
    ask(srv, WL_LISTED, src="127.0.0.5")
    text = urllib.request.urlopen(f"http://127.0.0.1:{mport}/metrics",
                                  timeout=3).read().decode()
    lines = text.splitlines()
    assert 'dnsxld_allowlist_allowed_total{entry="office",scope="*"} 3' in lines
    assert 'dnsxld_allowlist_allowed_total{entry="lab",scope="wl.test"} 0' \
        in lines
    assert 'dnsxld_allowlist_denied_total{scope="*"} 1' in lines
    assert 'dnsxld_allowlist_denied_total{scope="wl.test"} 1' in lines
    assert 'dnsxld_rrl_responses_total{action="dropped"} 0' in lines
    assert "# TYPE dnsxld_allowlist_denied_total counter" in lines
