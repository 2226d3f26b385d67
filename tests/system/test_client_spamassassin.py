"""SpamAssassin, configured with the exact snippets of
docs/clients-spamassassin.md, scores listed relays by service and region
against a running dnsxld (shipped config) on loopback, and unlisted ones not
at all.
"""
import re
import shutil
import subprocess

import pytest

import seed_table as T
from conftest import ROOT

SA = shutil.which("spamassassin")
DOC = ROOT / "docs" / "clients-spamassassin.md"
SA_RULES = ("DNSXL_D365", "DNSXL_EOP", "DNSXL_D365_NAM", "DNSXL_EOP_AMERICAS", "DNSXL_EU")

pytestmark = pytest.mark.skipif(SA is None, reason="package spamassassin is not installed")


def doc_snippet(doc, name):
    """The fenced block after `<!-- test: NAME -->` in doc."""
    m = re.search(r"<!-- test: " + re.escape(name) + r" -->\n```[^\n]*\n(.*?)```", doc.read_text(), re.S)
    assert m, f"{doc}: no snippet {name}"
    return m.group(1)


@pytest.fixture(scope="module")
def sa(tmp_path_factory):
    """run(relay) -> set of DNSXL_* rules that hit for a message from relay."""
    tmp = tmp_path_factory.mktemp("sa")
    srv = T.start_seed_server(ROOT, tmp)
    site, rules = tmp / "site", tmp / "rules"
    site.mkdir()
    rules.mkdir()
    for pre in sorted(__import__("pathlib").Path("/etc/spamassassin").glob("*.pre")):
        shutil.copy(pre, site)
    local = doc_snippet(DOC, "local.cf")
    assert "dns_server 127.0.0.1:5300\n" in local
    local = local.replace("127.0.0.1:5300", f"127.0.0.1:{srv.port}")
    (site / "local.cf").write_text(local + "use_bayes 0\n")
    shutil.copy("/usr/share/spamassassin/10_default_prefs.cf", rules)
    (rules / "60_dnsxl.cf").write_text(doc_snippet(DOC, "rules.cf"))
    prefs = tmp / "user_prefs"
    prefs.write_text("")

    def run(relay):
        tag = f"IPv6:{relay}" if ":" in relay else relay
        msg = (f"Received: from mail.example.net (mail.example.net [{tag}])\n"
               "\tby mx.example.org (Postfix) with ESMTP id 4ABC123\n"
               "\tfor <user@example.org>; Sun, 22 Nov 2026 23:00:00 +0000\n"
               "From: sender@example.net\nTo: user@example.org\n"
               "Subject: dnsxld test\nMessage-ID: <t1@example.net>\n"
               "Date: Sun, 22 Nov 2026 23:00:00 +0000\n\nHello.\n")
        out = subprocess.run([SA, "-x", "-t", "-D", "dns", "-C", str(rules), f"--siteconfigpath={site}",
                              "-p", str(prefs)], input=msg, capture_output=True, text=True, timeout=120)
        assert out.returncode in (0, 1), out.stderr[-2000:]
        m = re.search(r"^X-Spam-Status: .*?tests=(.*?)\s+autolearn", out.stdout, re.S | re.M)
        assert m, out.stdout[-2000:]
        tests = set(re.split(r"[,\s]+", m.group(1).strip()))
        return {t for t in tests if t.startswith("DNSXL")}, out.stderr

    yield run
    srv.stop()


@pytest.mark.parametrize("relay,hits", [
    ("40.78.242.5", {"DNSXL_D365", "DNSXL_D365_NAM"}),                       # 127.0.0.17
    ("13.69.226.200", {"DNSXL_D365", "DNSXL_EU"}),                            # .25 EUR
    ("23.103.132.5", {"DNSXL_EOP", "DNSXL_EOP_AMERICAS", "DNSXL_EU"}),        # .32 .45 .46
    ("2a01:111:f400:7e80::5", {"DNSXL_EOP", "DNSXL_EOP_AMERICAS", "DNSXL_EU"}),  # .32 .45 .46 .47
    ("2a01:111:f403::5", {"DNSXL_EOP"}),                                      # .32 only
])
def test_listed(sa, relay, hits):
    got, log = sa(relay)
    assert got == hits, log[-3000:]
    assert "dns: hit <dns:" in log


@pytest.mark.parametrize("relay", ["40.78.242.200", "2a01:111:f401::5"])
def test_unlisted(sa, relay):
    got, log = sa(relay)
    assert got == set()
    # the lookup did happen (it was not skipped as a private address)
    assert T.reverse_name(relay, "wl.example.org") in log, log[-3000:]
