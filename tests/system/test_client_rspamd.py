"""rspamd, configured with the exact snippets of docs/clients-rspamd.md,
adds service/region symbols for listed clients against a running dnsxld
(shipped config) on loopback, and none for unlisted ones.

The first rspamd start compiles a hyperscan cache (~30 s); it is kept in
/var/tmp/dnsxl-rspamd-hs so later runs start in a few seconds.
"""
import json
import pathlib
import re
import shutil
import subprocess
import tempfile
import time

import pytest

import seed_table as T
from conftest import ROOT, free_port

RSPAMD = shutil.which("rspamd")
RSPAMC = shutil.which("rspamc")
DOC = ROOT / "docs" / "clients-rspamd.md"
HS_CACHE = pathlib.Path("/var/tmp/dnsxl-rspamd-hs")

pytestmark = pytest.mark.skipif(RSPAMD is None or RSPAMC is None,
                                reason="package rspamd is not installed")

TOP = """# test-only top level: one normal worker on a free port, private dirs
.include "$CONFDIR/common.conf"
options {
  pidfile = "$RUNDIR/rspamd.pid";
  .include "$CONFDIR/options.inc"
  .include(try=true; priority=1,duplicate=merge) "$LOCAL_CONFDIR/local.d/options.inc"
}
logging {
  type = "file";
  filename = "$LOGDIR/rspamd.log";
  level = "info";
}
worker "normal" {
  bind_socket = "127.0.0.1:%d";
  .include "$CONFDIR/worker-normal.inc"
}
"""


def doc_snippet(doc, name):
    m = re.search(r"<!-- test: " + re.escape(name) + r" -->\n```[^\n]*\n(.*?)```", doc.read_text(), re.S)
    assert m, f"{doc}: no snippet {name}"
    return m.group(1)


def chown_rspamd(path):
    shutil.chown(path, "_rspamd", "_rspamd")


@pytest.fixture(scope="module")
def rspamd(tmp_path_factory):
    """scan(ip) -> {symbol: score} of DNSXL_* symbols for a message from ip."""
    srv = T.start_seed_server(ROOT, tmp_path_factory.mktemp("rspamd"))
    # rspamd drops to _rspamd: its dirs live outside pytest's 0700 tmp
    base = pathlib.Path(tempfile.mkdtemp(prefix="dnsxl-rspamd-"))
    base.chmod(0o755)
    proc = None
    try:
        conf = base / "conf"
        for d in (conf / "local.d", conf / "override.d", base / "db", base / "run", base / "log"):
            d.mkdir(parents=True)
        for d in (base / "db", base / "run", base / "log"):
            chown_rspamd(d)
        HS_CACHE.mkdir(exist_ok=True)
        chown_rspamd(HS_CACHE)
        port = free_port()
        (conf / "rspamd.conf").write_text(TOP % port)
        opts = doc_snippet(DOC, "local.d/options.inc")
        assert '"127.0.0.1:5300"' in opts
        opts = opts.replace("127.0.0.1:5300", f"127.0.0.1:{srv.port}")
        (conf / "local.d" / "options.inc").write_text(opts + f'hs_cache_dir = "{HS_CACHE}/";\n')
        (conf / "override.d" / "rbl.conf").write_text(doc_snippet(DOC, "override.d/rbl.conf"))
        (conf / "local.d" / "rbl_group.conf").write_text(doc_snippet(DOC, "local.d/rbl_group.conf"))
        msg = base / "msg.eml"
        msg.write_text("From: sender@example.net\nTo: user@example.org\nSubject: dnsxld test\n"
                       "Message-ID: <t1@example.net>\nDate: Sun, 22 Nov 2026 23:00:00 +0000\n\nHello.\n")
        msg.chmod(0o644)
        proc = subprocess.Popen([RSPAMD, "-f", "-u", "_rspamd", "-g", "_rspamd", "-c", str(conf / "rspamd.conf"),
                                 f"--var=LOCAL_CONFDIR={conf}", f"--var=DBDIR={base / 'db'}",
                                 f"--var=RUNDIR={base / 'run'}", f"--var=LOGDIR={base / 'log'}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

        def scan(ip, timeout=30):
            out = subprocess.run([RSPAMC, "-h", f"127.0.0.1:{port}", "-j", f"--ip={ip}",
                                  "--helo=mail.example.net", "--from=sender@example.net",
                                  "--rcpt=user@example.org", "-t", str(timeout), str(msg)],
                                 capture_output=True, text=True, timeout=timeout + 10)
            if out.returncode != 0:
                raise RuntimeError(out.stdout + out.stderr)
            res = json.loads(out.stdout[out.stdout.index("{"):])
            return {k: v["score"] for k, v in res.get("symbols", {}).items() if k.startswith("DNSXL")}

        deadline = time.monotonic() + 150   # first start: hyperscan compile
        while True:
            if proc.poll() is not None:
                log = (base / "log" / "rspamd.log")
                raise RuntimeError("rspamd exited: " + (log.read_text()[-3000:] if log.exists() else ""))
            try:
                scan("192.0.2.1", timeout=3)
                break
            except (RuntimeError, ValueError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield scan, base / "log" / "rspamd.log"
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        srv.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("ip,hits", [
    ("40.78.242.5", {"DNSXL_D365": -2.0, "DNSXL_D365_NAM": -0.1}),
    ("13.69.226.200", {"DNSXL_D365": -2.0, "DNSXL_EU": -0.1}),
    ("23.103.132.5", {"DNSXL_EOP": -1.0, "DNSXL_EOP_AMERICAS": -0.1, "DNSXL_EU": -0.1}),
    ("2a01:111:f400:7e80::5", {"DNSXL_EOP": -1.0, "DNSXL_EOP_AMERICAS": -0.1, "DNSXL_EU": -0.1}),
    ("2a01:111:f403::5", {"DNSXL_EOP": -1.0}),
])
def test_listed(rspamd, ip, hits):
    scan, _log = rspamd
    got = scan(ip)
    assert {k: round(v, 2) for k, v in got.items()} == hits


@pytest.mark.parametrize("ip", ["40.78.242.200", "2a01:111:f401::5"])
def test_unlisted(rspamd, ip):
    scan, _log = rspamd
    assert scan(ip) == {}


def test_zone_not_disabled(rspamd):
    """rspamd's liveness probe (1.0.0.127.wl.example.org, must be NXDOMAIN)
    did not complain: its message is "DNS reply returned '...' for ...
    while '...' was expected" (only seen if the probe ran by then)."""
    _scan, log = rspamd
    text = log.read_text()
    assert "wl.example.org" in text or "rbl" in text, text[-2000:]
    assert not re.search(r"DNS reply returned .*wl\.example\.org", text), text[-2000:]
