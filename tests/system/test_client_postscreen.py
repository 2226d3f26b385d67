"""Postfix postscreen, configured with the exact snippets of
docs/clients-postscreen.md, allowlists listed clients through unbound and a
running dnsxld (shipped config), all inside fresh network/mount/PID
namespaces (nothing leaves them; every process dies with the namespace).

The test runs this file again as the namespace's init (`--inside`), which
sets everything up, connects from each client address and prints the mail
and resolver logs as JSON.
"""
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DOC = ROOT / "docs" / "clients-postscreen.md"
LISTEN = "192.0.2.25"
# client address: the codes dnsblog must log for it (docs/codes.md)
CLIENTS = {"40.78.242.5": ["127.0.0.17"], "23.103.132.5": ["127.0.0.32", "127.0.0.45", "127.0.0.46"],
           "40.78.242.200": []}
ZONE = "wl.example.org"

MASTER_CF = """\
smtp      inet  n       -       n       -       1       postscreen
smtpd     pass  -       -       n       -       -       smtpd
dnsblog   unix  -       -       n       -       0       dnsblog
tlsproxy  unix  -       -       n       -       0       tlsproxy
postlog   unix-dgram n  -       n       -       1       postlogd
anvil     unix  -       -       n       -       1       anvil
cleanup   unix  n       -       n       -       0       cleanup
rewrite   unix  -       -       n       -       -       trivial-rewrite
proxymap  unix  -       -       n       -       -       proxymap
qmgr      unix  n       -       n       300     1       qmgr
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
scache    unix  -       -       n       -       1       scache
"""

MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {base}/spool
data_directory = {base}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.example.org
mydomain = example.org
mydestination =
alias_maps =
alias_database =
inet_interfaces = {listen}
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = {base}/log/maillog
maillog_file_prefixes = {base}/log
postscreen_cache_map = btree:{base}/data/postscreen_cache
postscreen_greet_wait = 2s
"""

UNBOUND_CONF = """\
server:
  interface: 127.0.0.1
  port: 53
  do-ip6: no
  username: ""
  chroot: ""
  directory: "{base}/unbound"
  pidfile: "{base}/unbound/unbound.pid"
  use-syslog: no
  logfile: "{base}/log/unbound.log"
  log-queries: yes
  verbosity: 1
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  local-zone: "." refuse
"""


def doc_snippet(name):
    m = re.search(r"<!-- test: " + re.escape(name) + r" -->\n```[^\n]*\n(.*?)```", DOC.read_text(), re.S)
    assert m, f"{DOC}: no snippet {name}"
    return m.group(1)


def tool(name):
    """Absolute path of a program (root's PATH may lack /usr/sbin)."""
    for d in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
        if os.access(f"{d}/{name}", os.X_OK):
            return f"{d}/{name}"
    return shutil.which(name)


def missing_tools():
    need = {"postfix": "postfix", "unbound": "unbound", "unbound-checkconf": "unbound",
            "unshare": "util-linux", "ip": "iproute2"}
    return sorted({pkg for name, pkg in need.items() if tool(name) is None})


# --- inside the namespaces ----------------------------------------------

def sh(*argv, check=True):
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and out.returncode != 0:
        raise RuntimeError(f"{argv}: exit {out.returncode}: {out.stdout}{out.stderr}")
    return out


def wait_for(pred, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


def tcp_open(host, port):
    try:
        socket.create_connection((host, port), timeout=0.5).close()
        return True
    except OSError:
        return False


def smtp_session(src, dst):
    """Connect from src, wait for postscreen's verdict and the 220 banner,
    then QUIT. Returns the banner line."""
    s = socket.create_connection((dst, 25), timeout=20, source_address=(src, 0))
    f = s.makefile("rwb")
    banner = f.readline().decode(errors="replace")
    while banner[3:4] == "-":
        banner = f.readline().decode(errors="replace")
    f.write(b"QUIT\r\n")
    f.flush()
    f.readline()
    s.close()
    return banner.strip()


def inside(base, server):
    base = pathlib.Path(base)
    sh(tool("ip"), "link", "set", "lo", "up")
    for a in [LISTEN, *CLIENTS]:
        sh(tool("ip"), "addr", "add", f"{a}/32", "dev", "lo")
    (base / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    sh(tool("mount"), "--bind", str(base / "resolv.conf"), "/etc/resolv.conf")

    sys.path.insert(0, str(HERE))
    import seed_table as T
    tempfile.tempdir = str(base)    # the outer side removes base, even after a crash
    srv = T.start_seed_server(ROOT, base, server)

    conf = UNBOUND_CONF.format(base=base) + doc_snippet("unbound.conf").replace(
        "127.0.0.1@5300", f"127.0.0.1@{srv.port}")
    (base / "unbound").mkdir()
    (base / "unbound.conf").write_text(conf)
    sh(tool("unbound-checkconf"), str(base / "unbound.conf"))
    subprocess.Popen([tool("unbound"), "-d", "-c", str(base / "unbound.conf")],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: tcp_open("127.0.0.1", 53), what="unbound")
    # the resolv.conf path the way dnsblog uses it
    addrs = socket.getaddrinfo("5.242.78.40." + ZONE, None, socket.AF_INET)
    assert {a[4][0] for a in addrs} == {"127.0.0.17"}, addrs

    etc = base / "etc"
    etc.mkdir()
    (etc / "main.cf").write_text(MAIN_CF.format(base=base, listen=LISTEN) + doc_snippet("main.cf"))
    (etc / "master.cf").write_text(MASTER_CF)
    for d in ("spool", "data"):
        (base / d).mkdir()
    shutil.chown(base / "data", "postfix", "postfix")
    out = sh(tool("postfix"), "-c", str(etc), "start", check=False)
    if out.returncode != 0:
        raise RuntimeError("postfix start: " + out.stdout + out.stderr)
    wait_for(lambda: tcp_open(LISTEN, 25), what="postscreen")

    banners = {}
    for client in CLIENTS:
        banners[client] = smtp_session(client, LISTEN)
    time.sleep(1)   # let postlogd write the last lines
    sh(tool("postfix"), "-c", str(etc), "stop", check=False)
    srv.stop()
    maillog = (base / "log" / "maillog").read_text() if (base / "log" / "maillog").exists() else ""
    unbound_log = (base / "log" / "unbound.log").read_text()
    print(json.dumps({"banners": banners, "maillog": maillog, "unbound": unbound_log}))


# --- the pytest side ----------------------------------------------------

def run_in_namespace(server=None):
    base = tempfile.mkdtemp(prefix="dnsxl-postscreen-")
    os.chmod(base, 0o755)
    os.mkdir(os.path.join(base, "log"), 0o755)
    env = dict(os.environ)
    if server:
        env["DNSXL_SEED_SERVER"] = server
    try:
        out = subprocess.run([tool("unshare"), "--net", "--mount", "--pid", "--fork", "--mount-proc",
                              "--kill-child", sys.executable, __file__, "--inside", base,
                              env.get("DNSXL_SEED_SERVER", "dnsxld")],
                             capture_output=True, text=True, timeout=120, env=env)
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ != "__main__":
    import pytest

    pytestmark = [
        pytest.mark.skipif(bool(missing_tools()), reason=f"packages not installed: {missing_tools()}"),
        pytest.mark.skipif(os.geteuid() != 0, reason="needs root for network namespaces"),
    ]

    @pytest.fixture(scope="module")
    def logs():
        return run_in_namespace()

    def test_listed_clients_pass_by_allowlist(logs):
        ml = logs["maillog"]
        for client, codes in CLIENTS.items():
            if not codes:
                continue
            got = re.findall(rf"dnsblog\[\d+\]: addr {re.escape(client)} listed by domain "
                             rf"{re.escape(ZONE)} as (\S+)", ml)
            assert sorted(got) == sorted(codes), ml[-3000:]
            assert re.search(rf"postscreen\[\d+\]: PASS NEW \[{re.escape(client)}\]", ml), ml[-3000:]
            assert logs["banners"][client].startswith("220 "), logs["banners"]

    def test_unlisted_client_looked_up_not_listed(logs):
        client = "40.78.242.200"
        qname = ".".join(reversed(client.split("."))) + "." + ZONE
        assert qname in logs["unbound"], logs["unbound"][-3000:]
        assert f"addr {client} listed" not in logs["maillog"]
        # it still gets through postscreen, after the greet wait
        assert re.search(rf"postscreen\[\d+\]: PASS NEW \[{re.escape(client)}\]", logs["maillog"])

else:
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        inside(sys.argv[2], sys.argv[3])
