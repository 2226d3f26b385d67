"""The control channel (docs/control.md): `dnsxl acl ...` edits apply at
once, are saved atomically and survive a restart; every bad input gets its
exact error and changes nothing; reload, status and stats."""
import os
import signal
import stat
import time

import dns.rcode
import pytest

from ctl_util import (LISTED, WL, WL_LISTED, ask, cleanup, dnsxl, short_dir,
                      start, write_conf)

HEAD = ("# dnsxld allowlist (docs/allowlist.md): NAME CIDR [zone=ZONE] "
        "[paused]\n# Written by dnsxld; edit with `dnsxl acl ...`.\n")


@pytest.fixture
def ctl(dnsxld_server, tmp_path):
    """A daemon with a control socket and an empty allowlist."""
    d = short_dir()
    sock = d / "ctl.sock"
    conf = write_conf(tmp_path, sock=sock)
    srv = start(dnsxld_server, conf)
    yield srv, sock, tmp_path / "allow.txt", conf
    srv.stop()
    cleanup(d)


def ok(sock, *args, **kw):
    p = dnsxl(sock, *args, **kw)
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    return p.stdout


def err(sock, *args, **kw):
    p = dnsxl(sock, *args, **kw)
    assert p.stdout == ""
    return p.returncode, p.stderr


def rows(sock):
    """acl list as (name, cidr, scope, state) tuples."""
    return [tuple(line.split()[:4]) for line in ok(sock, "acl", "list")
            .splitlines() if not line.startswith("#")]


def allowed(srv, src, name=LISTED):
    return ask(srv, name, src=src).rcode() == dns.rcode.NOERROR


def test_socket_mode(ctl):
    _, sock, _, _ = ctl
    st = os.stat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == os.getuid()


def test_lifecycle(ctl):
    srv, sock, path, _ = ctl
    assert ok(sock, "acl", "list") == \
        "# no active entry: every client is allowed\n"
    assert allowed(srv, "127.0.0.6")
    assert not path.exists()

    assert ok(sock, "acl", "add", "office", "127.0.0.5") == \
        "added office 127.0.0.5/32\n"
    assert path.read_text() == HEAD + "office 127.0.0.5/32\n"
    assert allowed(srv, "127.0.0.5")
    assert not allowed(srv, "127.0.0.6")            # at once, no restart

    assert ok(sock, "acl", "add", "lab", "127.0.1.0/24", "--zone", WL) == \
        "added lab 127.0.1.0/24\n"
    assert ok(sock, "acl", "add", "v6", "2001:db8::/32") == \
        "added v6 2001:db8::/32\n"
    assert rows(sock) == [("office", "127.0.0.5/32", "*", "active"),
                          ("lab", "127.0.1.0/24", WL, "active"),
                          ("v6", "2001:db8::/32", "*", "active")]
    assert allowed(srv, "127.0.1.9", WL_LISTED)
    assert not allowed(srv, "127.0.0.5", WL_LISTED)

    assert ok(sock, "acl", "rename", "office", "hq") == \
        "renamed hq 127.0.0.5/32\n"
    assert ok(sock, "acl", "set", "hq", "127.0.0.6") == \
        "changed hq 127.0.0.6/32\n"
    assert allowed(srv, "127.0.0.6")
    assert not allowed(srv, "127.0.0.5")

    assert ok(sock, "acl", "pause", "hq") == "paused hq 127.0.0.6/32\n"
    assert not allowed(srv, "127.0.0.6")            # v6 is still active
    assert ("hq", "127.0.0.6/32", "*", "paused") in rows(sock)
    assert ok(sock, "acl", "resume", "hq") == "resumed hq 127.0.0.6/32\n"
    assert allowed(srv, "127.0.0.6")

    assert ok(sock, "acl", "delete", "hq") == "deleted hq\n"
    assert not allowed(srv, "127.0.0.6")
    assert ok(sock, "acl", "delete", "v6") == "deleted v6\n"
    # Only a zone entry left: the global list is empty again.
    assert allowed(srv, "127.0.0.6")
    assert not allowed(srv, "127.0.0.6", WL_LISTED)
    assert path.read_text() == HEAD + f"lab 127.0.1.0/24 zone={WL}\n"
    # No temp file left next to it.
    assert sorted(p.name for p in path.parent.glob("allow.txt*")) == \
        ["allow.txt"]


BAD = [
    (("acl", "add", "x", "127.0.0.300"),
     'invalid address or CIDR "127.0.0.300"'),
    (("acl", "add", "x", "10.1.2.3/8"),
     '"10.1.2.3/8" has host bits set (use 10.0.0.0/8)'),
    (("acl", "add", "x", "2001:db8::/129"),
     'invalid address or CIDR "2001:db8::/129"'),
    (("acl", "add", "office", "127.0.0.9"),
     'an entry named "office" already exists'),
    (("acl", "add", "x/y", "127.0.0.9"),
     'invalid name "x/y" (1-64 of A-Z a-z 0-9 . _ - : @)'),
    (("acl", "add", "x", "127.0.0.9", "--zone", "nope.test"),
     'unknown zone "nope.test"'),
    (("acl", "rename", "ghost", "y"), 'no entry named "ghost"'),
    (("acl", "rename", "office", "lab"), 'an entry named "lab" already exists'),
    (("acl", "set", "ghost", "127.0.0.9"), 'no entry named "ghost"'),
    (("acl", "set", "office", "banana"), 'invalid address or CIDR "banana"'),
    (("acl", "pause", "ghost"), 'no entry named "ghost"'),
    (("acl", "resume", "ghost"), 'no entry named "ghost"'),
    (("acl", "delete", "ghost"), 'no entry named "ghost"'),
    (("acl", "frobnicate", "x"), 'unknown command "acl frobnicate" (list, '
     'add, rename, set, pause, resume, delete)'),
    (("acl", "add", "x"), "usage: acl add NAME CIDR [ZONE]"),
    (("acl", "delete"), "usage: acl delete NAME"),
]


def test_bad_input_changes_nothing(ctl):
    srv, sock, path, _ = ctl
    ok(sock, "acl", "add", "office", "127.0.0.5")
    ok(sock, "acl", "add", "lab", "127.0.1.0/24")
    before_file = path.read_text()
    before = rows(sock)
    for args, msg in BAD:
        rc, e = err(sock, *args)
        assert (rc, e) == (1, f"dnsxl: {msg}\n"), args
        assert path.read_text() == before_file
        assert rows(sock) == before
    assert allowed(srv, "127.0.0.5")
    assert not allowed(srv, "127.0.0.6")


def test_current(ctl):
    srv, sock, _, _ = ctl
    rc, e = err(sock, "acl", "add", "me", "--current")
    assert rc == 1
    assert e == ("dnsxl: --current: SSH_CLIENT is not set (not logged in "
                 "over SSH?); give the address instead\n")
    assert rows(sock) == []
    out = ok(sock, "acl", "add", "me", "--current",
             env_extra={"SSH_CLIENT": "127.0.0.8 50022 22"})
    assert out == "added me 127.0.0.8/32\n"
    assert allowed(srv, "127.0.0.8")
    assert not allowed(srv, "127.0.0.9")
    out = ok(sock, "acl", "add", "me6", "--current", "--zone", WL,
             env_extra={"SSH_CLIENT": "2001:db8::7 50022 22"})
    assert out == "added me6 2001:db8::7/128\n"


def test_client_usage_errors(ctl):
    _, sock, _, _ = ctl
    for args in (("acl",), ("reload", "now"), ("status", "x"),
                 ("acl", "list", "--zone", WL)):
        p = dnsxl(sock, *args)
        assert p.returncode == 2, args
    p = dnsxl(sock, "acl", "add", "a b", "127.0.0.1")
    assert p.returncode == 2
    assert p.stderr == ('dnsxl: "a b": words must be non-empty and without '
                        'spaces\n')


def test_no_daemon(tmp_path):
    p = dnsxl(tmp_path / "none.sock", "status")
    assert p.returncode == 2
    assert p.stderr.startswith(f"dnsxl: cannot connect to {tmp_path}/none.sock:"
                               " No such file or directory")


def test_persistence_across_restart(dnsxld_server, tmp_path):
    d = short_dir()
    try:
        sock = d / "ctl.sock"
        conf = write_conf(tmp_path, sock=sock)
        srv = start(dnsxld_server, conf)
        ok(sock, "acl", "add", "office", "127.0.0.5")
        ok(sock, "acl", "add", "lab", "127.0.0.7")
        ok(sock, "acl", "pause", "lab")
        ok(sock, "acl", "add", "part", "127.0.0.6", "--zone", WL)
        before = rows(sock)
        srv.stop()
        assert not sock.exists()                # removed at exit
        srv = start(dnsxld_server, conf)
        assert rows(sock) == before
        assert allowed(srv, "127.0.0.5")
        assert not allowed(srv, "127.0.0.7")    # still paused
        assert allowed(srv, "127.0.0.6", WL_LISTED)
        assert not allowed(srv, "127.0.0.6")
        srv.stop()
    finally:
        cleanup(d)


def test_reload_rereads_file(ctl):
    srv, sock, path, _ = ctl
    ok(sock, "acl", "add", "office", "127.0.0.5")
    path.write_text("other 127.0.0.6\n")            # edited by hand
    assert allowed(srv, "127.0.0.5")
    out = ok(sock, "reload")
    assert out.splitlines()[0] == f"allowlist {path}: 1 entry"
    assert out.splitlines()[1].startswith("reloaded")
    assert not allowed(srv, "127.0.0.5")
    assert allowed(srv, "127.0.0.6")
    # A broken file: an error, the loaded list stays.
    path.write_text("other 127.0.0.6\nbad 1.2.3.4/40\n")
    rc, e = err(sock, "reload")
    assert rc == 1
    assert e == (f"dnsxl: allowlist not loaded: {path}:2: invalid address or "
                 "CIDR \"1.2.3.4/40\"\n")
    assert allowed(srv, "127.0.0.6")
    assert rows(sock) == [("other", "127.0.0.6/32", "*", "active")]
    path.write_text("again 127.0.0.7\n")
    out = ok(sock, "reload", "--force")
    assert out.splitlines()[0] == f"allowlist {path}: 1 entry"
    assert allowed(srv, "127.0.0.7")


def test_sighup_rereads_file(ctl):
    srv, sock, path, _ = ctl
    path.write_text("office 127.0.0.5\n")
    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 5
    while allowed(srv, "127.0.0.6") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not allowed(srv, "127.0.0.6")
    assert allowed(srv, "127.0.0.5")


def test_status_and_stats(ctl):
    srv, sock, path, _ = ctl
    ok(sock, "acl", "add", "office", "127.0.0.5")
    ok(sock, "acl", "add", "lab", "127.0.0.7")
    ok(sock, "acl", "pause", "lab")
    for _ in range(3):
        allowed(srv, "127.0.0.5")
    for _ in range(2):
        allowed(srv, "127.0.0.6")
    st = ok(sock, "status").splitlines()
    assert st[0] == "version 0.1.0"
    assert st[1].startswith("uptime ")
    assert "zones 2" in st
    assert f"allowlist {path} entries 2 active 1 paused 0" not in st
    assert f"allowlist {path} entries 2 active 1 paused 1" in st
    assert "rrl off" in st
    stats = ok(sock, "stats").splitlines()
    assert "allowlist.allowed office * 3" in stats
    assert "allowlist.denied * 2" in stats
    assert "rrl.dropped 0" in stats
    lst = ok(sock, "acl", "list").splitlines()
    assert lst[0].split() == ["office", "127.0.0.5/32", "*", "active", "3"]


def test_unknown_and_empty_commands(ctl):
    """The raw protocol, as a script would speak it."""
    import socket
    _, sock, _, _ = ctl

    def raw(line):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(str(sock))
        s.sendall(line)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return data.decode()
    assert raw(b"hello\n") == ('error: unknown command "hello" (acl, reload '
                               '[force], status, stats)\n')
    assert raw(b"\n") == "error: empty command\n"
    assert raw(b"acl list\n") == ("# no active entry: every client is "
                                  "allowed\nok\n")
    assert raw(b"acl add a 127.0.0.1 " + WL.encode() + b"\n") == \
        "added a 127.0.0.1/32\nok\n"


def test_no_allowlist_configured(dnsxld_server, tmp_path):
    d = short_dir()
    try:
        sock = d / "ctl.sock"
        srv = start(dnsxld_server, write_conf(tmp_path, sock=sock,
                                              allowlist=None))
        rc, e = err(sock, "acl", "add", "x", "127.0.0.1")
        assert (rc, e) == (1, "dnsxl: no allowlist configured (allowlist: "
                              "file: in the config)\n")
        assert "allowlist none" in ok(sock, "status").splitlines()
        srv.stop()
    finally:
        cleanup(d)


def test_socket_in_use(dnsxld_server, tmp_path, ctl):
    import subprocess
    from conftest import BUILD, free_port
    _, sock, _, conf = ctl
    p = subprocess.run([str(BUILD / "dnsxld"), "-n", "-b",
                        f"127.0.0.1/{free_port()}", "--config", str(conf)],
                       cwd=tmp_path, capture_output=True, text=True,
                       timeout=10)
    assert p.returncode == 1
    assert f"control socket {sock}: in use by a running daemon" in p.stderr
    assert ok(sock, "acl", "list")              # the first still answers


def test_command_line_options(dnsxld_server, tmp_path):
    """rbldnsd-style command line: --allowlist and --control-socket."""
    d = short_dir()
    try:
        sock = d / "c.sock"
        (tmp_path / "bl.ip4").write_text(":127.0.0.2:Listed $\n192.0.2.1\n")
        (tmp_path / "al.txt").write_text("office 127.0.0.5\n")
        srv = dnsxld_server(["bl.test:ip4set:bl.ip4"],
                            extra=["--allowlist", "al.txt",
                                   "--control-socket", str(sock)],
                            probe="bl.test")
        assert allowed(srv, "127.0.0.5")
        assert not allowed(srv, "127.0.0.6")
        assert ok(sock, "acl", "add", "lab", "127.0.0.6") == \
            "added lab 127.0.0.6/32\n"
        assert allowed(srv, "127.0.0.6")
        assert (tmp_path / "al.txt").read_text().endswith(
            "office 127.0.0.5/32\nlab 127.0.0.6/32\n")
        srv.stop()
    finally:
        cleanup(d)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to become nobody")
def test_other_users_refused(ctl):
    """Even with the socket opened up, only root and the daemon's user."""
    import subprocess
    from conftest import BUILD
    _, sock, _, _ = ctl
    import shutil
    import tempfile
    os.chmod(sock.parent, 0o755)
    os.chmod(sock, 0o666)
    # The checkout may sit under a 0700 directory (a CI clone in mktemp -d):
    # run a copy of the client from a directory the other user can reach.
    bindir = tempfile.mkdtemp(prefix="dnsxl-client-")
    try:
        os.chmod(bindir, 0o755)
        client = shutil.copy(str(BUILD / "dnsxl"), bindir)
        os.chmod(client, 0o755)
        p = subprocess.run([client, "-s", str(sock), "acl", "add",
                            "x", "127.0.0.1"], capture_output=True, text=True,
                           timeout=10, preexec_fn=lambda: os.setuid(65534))
    finally:
        shutil.rmtree(bindir, ignore_errors=True)
    assert (p.returncode, p.stderr) == (1, "dnsxl: permission denied\n")
    assert rows(sock) == []
