"""The built binaries start and report their version."""
import subprocess

from conftest import BUILD


def test_dnsxld_version():
    out = subprocess.run([str(BUILD / "dnsxld"), "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    assert out.stdout.startswith("dnsxld ")


def test_dnsxl_version():
    out = subprocess.run([str(BUILD / "dnsxl"), "--version"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0
    assert out.stdout.startswith("dnsxl ")
