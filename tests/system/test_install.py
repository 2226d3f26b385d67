"""`make install` puts binaries, man pages, zones and a config that works."""
import subprocess

from conftest import ROOT


def test_install_prefix_destdir(tmp_path):
    dest = tmp_path / "dest"
    prefix = "/opt/dnsxl-test"
    subprocess.run(["make", "-s", "install", f"PREFIX={prefix}", f"DESTDIR={dest}"],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    root = dest / prefix.lstrip("/")
    for rel in ("sbin/dnsxld", "bin/dnsxl", "share/man/man8/dnsxld.8",
                "share/man/man1/dnsxl.1", "share/man/man5/dnsxld.conf.5",
                "etc/dnsxld/dnsxld.conf", "share/dnsxld/zones/eop/global.ip4"):
        assert (root / rel).is_file(), rel
    conf = (root / "etc/dnsxld/dnsxld.conf").read_text()
    assert f"data-dir: {prefix}/share/dnsxld/zones" in conf


def test_installed_config_checks_clean(tmp_path):
    prefix = tmp_path / "pfx"
    subprocess.run(["make", "-s", "install", f"PREFIX={prefix}"],
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    out = subprocess.run([str(prefix / "bin/dnsxl"), "check", "--config",
                          str(prefix / "etc/dnsxld/dnsxld.conf")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 errors" in out.stdout
