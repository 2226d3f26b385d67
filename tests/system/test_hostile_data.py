"""Hostile data files: NUL bytes, 1 MB lines, invalid UTF-8 in TXT, a
million exclusions, /0 prefixes, symlink loops, FIFOs, missing, truncated
gzip and deleted files. `dnsxl check` reports file:line and exits 1 on
errors (0 on warnings only); dnsxld never crashes and keeps the loaded data
when a reload fails."""
import gzip
import os
import signal
import subprocess
import time

import dns.rcode
import pytest

from conftest import BUILD

ZONE = "bl.example.org"


def check(tmp_path, *specs):
    return subprocess.run([str(BUILD / "dnsxl"), "check", *specs], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)


def lookup(tmp_path, spec, *ips):
    out = subprocess.run([str(BUILD / "dnsxl"), "lookup", spec, *ips], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def a_of(srv, ip4, tcp=False):
    name = ".".join(reversed(ip4.split("."))) + "." + ZONE
    r = srv.query(name, "A", tcp=tcp)
    if r.rcode() != dns.rcode.NOERROR or not r.answer:
        return dns.rcode.to_text(r.rcode())
    return r.answer[0][0].address


def wait_for(pred, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


# --- NUL bytes (regression: a NUL glued the next line onto this one) ------

def test_nul_byte_keeps_next_line_and_line_numbers(tmp_path, dnsxld_server):
    (tmp_path / "nul.ip4").write_bytes(
        b"1.2.3.4\n5.6.7\x008\n9.9.9.9\nnot-an-address\n7.7.7.7\n\x00\n")
    out = check(tmp_path, f"{ZONE}:ip4set:nul.ip4")
    assert out.returncode == 0                  # bad lines are warnings
    assert "nul.ip4:4: invalid address" in out.stderr
    assert "nul.ip4:3:" not in out.stderr
    assert "4 entries" in out.stdout            # 1.2.3.4 5.6.7.0/24 9.9.9.9 7.7.7.7
    srv = dnsxld_server([f"{ZONE}:ip4set:nul.ip4"])
    for ip in ("1.2.3.4", "9.9.9.9", "7.7.7.7"):
        assert a_of(srv, ip) == "127.0.0.2"
    assert a_of(srv, "8.8.8.8") == "NXDOMAIN"


def test_nul_bytes_everywhere_no_crash(tmp_path):
    (tmp_path / "z.bin").write_bytes(bytes(range(256)) * 64 + b"\x00" * 4096)
    (tmp_path / "ok.ip4").write_text("1.2.3.4\n")
    for t in ("ip4set", "ip4trie", "ip6trie", "ip6tset", "dnset", "generic",
              "combined", "acl", "ip4tset"):
        # an acl alone is not a zone: pair it with a good file
        out = check(tmp_path, f"{ZONE}:{t}:z.bin", f"{ZONE}:ip4set:ok.ip4")
        assert out.returncode in (0, 1), (t, out.returncode, out.stderr)
        if t.startswith("ip") or t == "acl":       # binary is never an address
            assert "z.bin:2: " in out.stderr, t


# --- very long lines -------------------------------------------------------

def test_one_megabyte_lines(tmp_path, dnsxld_server):
    big = "x" * (1 << 20)
    (tmp_path / "long.ip4").write_text(
        f"1.2.3.4 :127.0.0.5:{big}\n{big}\n5.5.5.5\n")
    (tmp_path / "long.dn").write_text(f"{big}.example.com\nspam.example.com\n")
    out = check(tmp_path, f"{ZONE}:ip4set:long.ip4", f"{ZONE}:dnset:long.dn")
    assert out.returncode == 0, out.stderr
    assert "long.ip4:1: TXT RR truncated to 255 bytes" in out.stderr
    assert "long.ip4:2: invalid address" in out.stderr
    assert "long.dn:1: invalid domain name" in out.stderr
    srv = dnsxld_server([f"{ZONE}:ip4set:long.ip4", f"{ZONE}:dnset:long.dn"])
    r = srv.query("4.3.2.1." + ZONE, "TXT")
    assert r.answer[0][0].strings == (b"x" * 254,)   # rbldnsd's expansion cap
    assert a_of(srv, "5.5.5.5") == "127.0.0.2"
    assert srv.query("spam.example.com." + ZONE, "A").answer[0][0].address == "127.0.0.2"


# --- invalid UTF-8 ---------------------------------------------------------

def test_invalid_utf8_txt_served_byte_for_byte(tmp_path, dnsxld_server):
    raw = b"bad \xff\xfe \xc3\x28 \xed\xa0\x80 end"
    (tmp_path / "u.ip4").write_bytes(b"1.2.3.4 :127.0.0.2:" + raw + b"\n")
    (tmp_path / "u.gen").write_bytes(b"www TXT \"" + raw + b"\"\n")
    out = check(tmp_path, f"{ZONE}:ip4set:u.ip4", f"{ZONE}:generic:u.gen")
    assert out.returncode == 0 and "0 errors, 0 warnings" in out.stdout
    srv = dnsxld_server([f"{ZONE}:ip4set:u.ip4", f"{ZONE}:generic:u.gen"])
    for tcp in (False, True):
        r = srv.query("4.3.2.1." + ZONE, "TXT", tcp=tcp)
        assert r.answer[0][0].strings == (raw,)
        r = srv.query("www." + ZONE, "TXT", tcp=tcp)
        assert r.answer[0][0].strings == (raw,)


# --- a million exclusions, /0 ----------------------------------------------

def test_one_million_exclusions(tmp_path, dnsxld_server):
    lines = [f"!10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n" for i in range(1_000_000)]
    (tmp_path / "ex.ip4").write_text("10.0.0.0/8\n" + "".join(lines))
    for t in ("ip4set", "ip4trie"):
        t0 = time.monotonic()
        srv = dnsxld_server([f"{ZONE}:{t}:ex.ip4"])
        assert time.monotonic() - t0 < 60
        assert a_of(srv, "10.0.0.0") == "NXDOMAIN"
        assert a_of(srv, "10.15.66.63") == "NXDOMAIN"      # i = 999999
        assert a_of(srv, "10.15.66.64") == "127.0.0.2"     # first not excluded
        assert a_of(srv, "10.255.255.255", tcp=True) == "127.0.0.2"
        assert a_of(srv, "11.0.0.1") == "NXDOMAIN"
        srv.stop()


@pytest.mark.parametrize("t,line,listed", [
    ("ip4trie", "0.0.0.0/0", True),
    ("ip4trie", "0/0", True),
    ("ip4set", "0.0.0.0/0", True),
])
def test_slash_zero(tmp_path, dnsxld_server, t, line, listed):
    (tmp_path / "zero").write_text(f"{line} :127.0.0.4:all\n")
    out = check(tmp_path, f"{ZONE}:{t}:zero")
    assert out.returncode == 0, out.stderr
    srv = dnsxld_server([f"{ZONE}:{t}:zero"])
    for ip in ("1.2.3.4", "255.255.255.255", "0.0.0.0"):
        assert a_of(srv, ip) == ("127.0.0.4" if listed else "NXDOMAIN")


def test_slash_zero_ip6(tmp_path, dnsxld_server):
    (tmp_path / "zero").write_text("::/0 :127.0.0.4:all\n")
    srv = dnsxld_server([f"{ZONE}:ip6trie:zero"])
    for addr in ("0" * 32, "f" * 32, "1" + "0" * 30 + "8"):
        name = ".".join(addr) + "." + ZONE
        assert srv.query(name, "A").answer[0][0].address == "127.0.0.4"
    # not an IPv6 name: nothing
    assert srv.query("x.y." + ZONE, "A").rcode() == dns.rcode.NXDOMAIN


# --- files that cannot be read -------------------------------------------

def test_unreadable_files_check_exit_1(tmp_path):
    os.symlink("loop2", tmp_path / "loop1")
    os.symlink("loop1", tmp_path / "loop2")
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "dir").mkdir()
    data = gzip.compress(b"".join(b"1.2.%d.%d\n" % (i >> 8, i & 255) for i in range(20000)))
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    (tmp_path / "junk.gz").write_bytes(b"\x1f\x8b\x08\x00garbage-not-deflate")
    (tmp_path / "ok.ip4").write_text("1.2.3.4\n")
    cases = {
        "loop1": "loop1: unable to open file",
        "missing": "missing: unable to open file: No such file or directory",
        "fifo": "fifo: unable to open file",       # never blocks on a FIFO
        "dir": "dir: unable to open file",
        "cut.gz": "cut.gz:",                        # truncated gzip: an error
        "junk.gz": "junk.gz",
    }
    for f, msg in cases.items():
        out = check(tmp_path, f"{ZONE}:ip4set:{f}")
        assert out.returncode == 1, (f, out.stdout, out.stderr)
        assert msg in out.stderr, (f, out.stderr)
        # one bad file among good ones still fails the check
        out = check(tmp_path, f"{ZONE}:ip4set:ok.ip4", f"{ZONE}:ip4set:{f}")
        assert out.returncode == 1, f
    out = check(tmp_path, f"{ZONE}:ip4set:ok.ip4")
    assert out.returncode == 0


def test_truncated_gzip_does_not_load_half(tmp_path):
    """Regression: a gzip file cut short (still being written) used to load
    the lines before the cut silently."""
    data = gzip.compress(b"".join(b"1.2.%d.%d\n" % (i >> 8, i & 255) for i in range(20000)))
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    out = check(tmp_path, f"{ZONE}:ip4set:cut.gz")
    assert out.returncode == 1
    assert "error reading file" in out.stderr
    (tmp_path / "full.gz").write_bytes(data)
    out = check(tmp_path, f"{ZONE}:ip4set:full.gz")
    assert out.returncode == 0 and "20000 entries" in out.stdout


def test_server_refuses_to_start_on_unreadable_file(tmp_path):
    os.symlink("loop2", tmp_path / "loop1")
    os.symlink("loop1", tmp_path / "loop2")
    for f in ("loop1", "missing"):
        out = subprocess.run([str(BUILD / "dnsxld"), "-n", "-b", "127.0.0.1/1",
                              f"{ZONE}:ip4set:{f}"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=20)
        assert out.returncode == 1
        assert f"{f}: unable to open file" in out.stderr


# --- reloads with hostile files: previous data kept ----------------------

@pytest.mark.parametrize("bad", ["symlink_loop", "missing", "fifo", "cut_gzip"])
def test_reload_keeps_data(tmp_path, dnsxld_server, bad):
    p = tmp_path / "bl.ip4"
    p.write_text("1.2.3.4\n")
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], extra=["-c", "0"])
    assert a_of(srv, "1.2.3.4") == "127.0.0.2"
    p.unlink()
    if bad == "symlink_loop":
        os.symlink("loop", tmp_path / "loop")
        os.symlink("loop", p)
    elif bad == "fifo":
        os.mkfifo(p)
    elif bad == "cut_gzip":
        data = gzip.compress(b"".join(b"9.9.%d.%d\n" % (i >> 8, i & 255) for i in range(20000)))
        p.write_bytes(data[: len(data) // 2])
    srv.proc.send_signal(signal.SIGHUP)
    time.sleep(1.0)
    assert srv.proc.poll() is None
    assert a_of(srv, "1.2.3.4") == "127.0.0.2"
    assert a_of(srv, "9.9.0.1") == "NXDOMAIN"
    log = (tmp_path / "server.log").read_text()
    assert "keeping the loaded data" in log


def test_file_deleted_during_reload(tmp_path, dnsxld_server):
    """A big file is replaced and deleted while a reload reads it: the
    server serves either the old or the new data, never a mix, and lives."""
    p = tmp_path / "bl.ip4"
    p.write_text("1.2.3.4\n")
    srv = dnsxld_server([f"{ZONE}:ip4set:bl.ip4"], extra=["-c", "0"])
    big = "".join(f"9.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n" for i in range(300_000))
    for _ in range(3):
        p.write_text(big + "5.5.5.5\n")
        srv.proc.send_signal(signal.SIGHUP)
        time.sleep(0.02)
        p.unlink()
        time.sleep(0.3)
        assert srv.proc.poll() is None
        state = (a_of(srv, "1.2.3.4"), a_of(srv, "5.5.5.5"))
        assert state in (("127.0.0.2", "NXDOMAIN"), ("NXDOMAIN", "127.0.0.2"))
        p.write_text("1.2.3.4\n")
        srv.proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: a_of(srv, "1.2.3.4") == "127.0.0.2")
