"""The real dig, kdig and drill against dnsxld: UDP and TCP, over
127.0.0.1 and ::1; a listed IPv4 name (A, TXT), a listed IPv6 name, an
unlisted name (NXDOMAIN with the SOA), each client's output parsed and
compared exactly."""
import ipaddress
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest

from conftest import BUILD, free_port

ZONE = "bl.example.org"
SOA = "ns1.example.org. hostmaster.example.org. 2026112301 600 300 86400 300"
IP4_DATA = f"""$SOA 3600 {SOA}
$NS 3600 ns1.example.org.
:127.0.0.2:Listed $, see http://example.org/?ip=$
10.0.0.1
192.0.2.0/24 :127.0.0.4:Range $
"""
IP6_DATA = "2001:db8::/32 :127.0.0.3:IPv6 listed\n"
NS = (f"{ZONE}.", 3600, "IN", "NS", "ns1.example.org.")
TTL = 2100                      # the default -t 35m


def v6name(addr):
    nib = ipaddress.ip_address(addr).exploded.replace(":", "")
    return ".".join(reversed(nib)) + "." + ZONE


V6 = v6name("2001:db8::1")

# name, type -> (status, answer records, authority records)
CASES = {
    ("1.0.0.10." + ZONE, "A"): ("NOERROR", [
        (f"1.0.0.10.{ZONE}.", TTL, "IN", "A", "127.0.0.2")], [NS]),
    ("1.0.0.10." + ZONE, "TXT"): ("NOERROR", [
        (f"1.0.0.10.{ZONE}.", TTL, "IN", "TXT",
         '"Listed 10.0.0.1, see http://example.org/?ip=10.0.0.1"')], [NS]),
    ("5.2.0.192." + ZONE, "TXT"): ("NOERROR", [
        (f"5.2.0.192.{ZONE}.", TTL, "IN", "TXT", '"Range 192.0.2.5"')],
        [NS]),
    (V6, "A"): ("NOERROR", [(V6 + ".", TTL, "IN", "A", "127.0.0.3")], [NS]),
    (V6, "TXT"): ("NOERROR", [
        (V6 + ".", TTL, "IN", "TXT", '"IPv6 listed"')], [NS]),
    ("2.0.0.10." + ZONE, "A"): ("NXDOMAIN", [], [
        (f"{ZONE}.", 300, "IN", "SOA", SOA)]),
}


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    (d / "bl.ip4").write_text(IP4_DATA)
    (d / "bl.ip6").write_text(IP6_DATA)
    port = free_port()
    argv = [str(BUILD / "dnsxld"), "-n", "-b", f"127.0.0.1/{port}",
            "-b", f"::1/{port}", "-c", "0", "--no-watch",
            f"{ZONE}:ip4set:bl.ip4", f"{ZONE}:ip6trie:bl.ip6"]
    log = open(d / "server.log", "w")
    p = subprocess.Popen(argv, cwd=d, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:      # up when TCP accepts
        assert p.poll() is None, (d / "server.log").read_text()
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.02)
    yield port
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=5) == 0


def command(client, server_ip, port, tcp, name, qtype):
    if client == "dig":
        return ["dig", f"@{server_ip}", "-p", str(port),
                "+tcp" if tcp else "+notcp", "+norecurse", "+time=2",
                "+tries=1", name, qtype]
    if client == "kdig":
        return ["kdig", f"@{server_ip}", "-p", str(port),
                "+tcp" if tcp else "+notcp", "+norecurse", "+time=2",
                "+retry=0", name, qtype]
    return ["drill", "-t" if tcp else "-u", "-o", "rd", "-p", str(port),
            f"@{server_ip}", name, qtype]


def parse(out):
    """(status, flags, answer, authority) from dig/kdig/drill output."""
    m = re.search(r"(?:status|rcode): ([A-Z]+)", out)
    assert m, out
    status = m.group(1)
    fm = re.search(r"(?i)flags: ([a-z ]*)", out)
    assert fm, out
    flags = set(fm.group(1).split())
    sections = {"ANSWER": [], "AUTHORITY": []}
    cur = None
    for line in out.splitlines():
        h = re.match(r";; ([A-Z]+) SECTION:", line)
        if h:
            cur = sections.get(h.group(1))
            continue
        if not line.strip() or line.startswith(";"):
            if not line.strip():
                cur = None
            continue
        if cur is not None:
            name, ttl, cls, typ, rdata = line.split(None, 4)
            cur.append((name.lower(), int(ttl), cls, typ, rdata.strip()))
    return (status, flags, sorted(sections["ANSWER"]),
            sorted(sections["AUTHORITY"]))


@pytest.mark.parametrize("family", ["127.0.0.1", "::1"])
@pytest.mark.parametrize("tcp", [False, True], ids=["udp", "tcp"])
@pytest.mark.parametrize("client", ["dig", "kdig", "drill"])
def test_client(server, client, tcp, family):
    if not shutil.which(client):
        pytest.skip(f"{client} not installed")
    if family == "::1" and not have_ipv6():
        pytest.skip("no IPv6 loopback")
    for (name, qtype), (status, answer, auth) in CASES.items():
        r = subprocess.run(command(client, family, server, tcp, name, qtype),
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 0, r.stdout + r.stderr
        got = parse(r.stdout)
        assert got == (status, {"qr", "aa"}, sorted(answer), sorted(auth)), \
            r.stdout
        if client != "drill":           # drill does not name the protocol
            proto = "(TCP)" if tcp else "(UDP)"
            assert proto in r.stdout, r.stdout
