"""Expected answers for the shipped seed zones, written BY HAND from the seed
documents (/work/shared/seeds), never read from zones/: it is the oracle
that test_seed_zones.py holds dnsxld (and zones/, conf/dnsxld.conf) to.

RANGES has one row per published range per document section: the document,
the section's (service, region), the prefix, and HITS, the datasets an
address of that prefix matches with the prefix each one matches (the
longest in that dataset), for addresses not inside a more specific published
range. Published prefixes are nested or disjoint, so the expected answer for
any address is the HITS of the most specific row containing it
(expected_hits()).

Codes (docs/codes.md): A = 127.0.0.(16*service + region).
"""
import ipaddress

SERVICES = {  # name: (id, description)
    "d365-marketing": (1, "Dynamics 365 Marketing / Customer Insights - Journeys"),
    "eop": (2, "Exchange Online Protection"),
}
REGIONS = {  # name: (id, description)
    "global": (0, "all regions"),
    "NAM": (1, "North America"),
    "CAN": (2, "Canada"),
    "SAM": (3, "South America"),
    "APJ": (4, "Asia-Pacific"),
    "OCE": (5, "Oceania"),
    "UAE": (6, "United Arab Emirates"),
    "IND": (7, "India"),
    "JPN": (8, "Japan"),
    "EUR": (9, "Europe"),
    "FRA": (10, "France"),
    "CHE": (11, "Switzerland"),
    "GBR": (12, "Great Britain"),
    "Americas": (13, "Americas"),
    "EMEA": (14, "Europe, Middle East and Africa"),
    "APAC": (15, "Asia-Pacific (EOP)"),
}
POOL = "shared"   # every shipped range: "By default, Dynamics 365 sends
                  # emails from a group of shared IPs" (doc 003); EOP is shared

# The codes, written out (not computed) so a wrong formula fails a test.
CODES = {
    ("d365-marketing", "NAM"): "127.0.0.17",
    ("d365-marketing", "CAN"): "127.0.0.18",
    ("d365-marketing", "SAM"): "127.0.0.19",
    ("d365-marketing", "APJ"): "127.0.0.20",
    ("d365-marketing", "OCE"): "127.0.0.21",
    ("d365-marketing", "UAE"): "127.0.0.22",
    ("d365-marketing", "IND"): "127.0.0.23",
    ("d365-marketing", "JPN"): "127.0.0.24",
    ("d365-marketing", "EUR"): "127.0.0.25",
    ("d365-marketing", "FRA"): "127.0.0.26",
    ("d365-marketing", "CHE"): "127.0.0.27",
    ("d365-marketing", "GBR"): "127.0.0.28",
    ("eop", "global"): "127.0.0.32",
    ("eop", "Americas"): "127.0.0.45",
    ("eop", "EMEA"): "127.0.0.46",
    ("eop", "APAC"): "127.0.0.47",
}

DOCS = {
    "000": ("Public IP addresses used for sending e-mails (Dynamics 365 Marketing) | Microsoft Docs", "03/17/2023"),
    "001": ("Public IP addresses used for sending e-mails (Customer Insights - Journeys)", "08/21/2023"),
    "002": ("Exchange Online Protection IP addresses", "8/2/2018"),
    "003": ("Dedicated vs shared IPs for email delivery (Dynamics 365 Marketing)", "10/08/2020"),  # no ranges: pool
    "004": ("How to whitelist IPs (MailerSend)", None),  # no ranges
}

# --- Dynamics 365 Marketing (000) and Customer Insights - Journeys (001):
# the same table, one service. No overlaps: one hit each.
_D365 = [
    ("40.78.242.0/25", "NAM"),
    ("13.66.138.128/25", "NAM"),
    ("13.71.171.0/24", "CAN"),
    ("191.233.202.0/24", "SAM"),
    ("13.75.35.0/24", "APJ"),
    ("13.77.51.0/24", "OCE"),
    ("40.120.64.224/27", "UAE"),
    ("65.52.252.128/27", "UAE"),
    ("104.211.80.0/24", "IND"),
    ("13.78.107.0/24", "JPN"),
    ("13.69.226.128/25", "EUR"),
    ("13.74.106.128/25", "EUR"),
    ("40.79.138.192/26", "FRA"),
    ("51.107.129.64/27", "CHE"),
    ("51.140.147.0/24", "GBR"),
]

G, AM, EM, AP = "global", "Americas", "EMEA", "APAC"


def _e(*hits):
    return [("eop", r, p) for r, p in hits]


# --- Exchange Online Protection (002). Section "EOP IP address ranges" is
# region global; section "IP Ranges by region" has Americas, EMEA, APAC.
_EOP = [
    # global, IPv4
    (G, "23.103.132.0/22", _e((G, "23.103.132.0/22"), (AM, "23.103.132.0/22"), (EM, "23.103.132.0/22"))),
    (G, "23.103.136.0/21", _e((G, "23.103.136.0/21"), (AM, "23.103.136.0/21"), (AP, "23.103.136.0/21"))),
    (G, "23.103.144.0/20", _e((G, "23.103.144.0/20"))),
    (G, "23.103.198.0/23", _e((G, "23.103.198.0/23"))),
    (G, "23.103.200.0/22", _e((G, "23.103.200.0/22"), (AM, "23.103.200.0/22"))),
    (G, "40.92.0.0/14", _e((G, "40.92.0.0/14"))),
    (G, "40.107.0.0/17", _e((G, "40.107.0.0/17"))),
    (G, "52.100.0.0/14", _e((G, "52.100.0.0/14"))),
    (G, "52.238.78.88/32", _e((G, "52.238.78.88/32"))),
    (G, "65.55.88.0/24", _e((G, "65.55.88.0/24"), (AP, "65.55.88.0/24"))),
    (G, "65.55.169.0/24", _e((G, "65.55.169.0/24"), (AM, "65.55.169.0/24"))),
    (G, "94.245.120.64/26", _e((G, "94.245.120.64/26"))),
    (G, "104.47.0.0/17", _e((G, "104.47.0.0/17"))),
    (G, "157.55.234.0/24", _e((G, "157.55.234.0/24"), (EM, "157.55.234.0/24"))),
    (G, "157.56.110.0/23", _e((G, "157.56.110.0/23"), (AM, "157.56.110.0/23"))),
    (G, "157.56.112.0/24", _e((G, "157.56.112.0/24"), (EM, "157.56.112.0/24"))),
    (G, "207.46.100.0/24", _e((G, "207.46.100.0/24"), (AM, "207.46.100.0/24"))),
    (G, "207.46.163.0/24", _e((G, "207.46.163.0/24"), (AM, "207.46.163.0/24"))),
    (G, "213.199.154.0/24", _e((G, "213.199.154.0/24"), (EM, "213.199.154.0/24"))),
    (G, "213.199.180.128/26", _e((G, "213.199.180.128/26"), (EM, "213.199.180.128/26"))),
    (G, "216.32.180.0/23", _e((G, "216.32.180.0/23"), (AM, "216.32.180.0/23"))),
    # global, IPv6
    (G, "2a01:111:f400:7c00::/54", _e((G, "2a01:111:f400:7c00::/54"), (AM, "2a01:111:f400:7c00::/54"),
                                      (AP, "2a01:111:f400:7c00::/54"))),
    (G, "2a01:111:f400:fc00::/54", _e((G, "2a01:111:f400:fc00::/54"))),
    (G, "2a01:111:f403::/48", _e((G, "2a01:111:f403::/48"))),
    # Americas
    (AM, "23.103.132.0/22", _e((G, "23.103.132.0/22"), (AM, "23.103.132.0/22"), (EM, "23.103.132.0/22"))),
    (AM, "23.103.136.0/21", _e((G, "23.103.136.0/21"), (AM, "23.103.136.0/21"), (AP, "23.103.136.0/21"))),
    (AM, "23.103.148.0/22", _e((G, "23.103.144.0/20"), (AM, "23.103.148.0/22"))),
    (AM, "23.103.152.0/21", _e((G, "23.103.144.0/20"), (AM, "23.103.152.0/21"))),
    (AM, "23.103.156.0/22", _e((G, "23.103.144.0/20"), (AM, "23.103.156.0/22"))),
    (AM, "23.103.198.0/24", _e((G, "23.103.198.0/23"), (AM, "23.103.198.0/24"))),
    (AM, "23.103.200.0/22", _e((G, "23.103.200.0/22"), (AM, "23.103.200.0/22"))),
    (AM, "40.92.64.0/18", _e((G, "40.92.0.0/14"), (AM, "40.92.64.0/18"))),
    (AM, "40.93.64.0/18", _e((G, "40.92.0.0/14"), (AM, "40.93.64.0/18"))),
    (AM, "40.94.64.0/18", _e((G, "40.92.0.0/14"), (AM, "40.94.64.0/18"))),
    (AM, "40.95.64.0/18", _e((G, "40.92.0.0/14"), (AM, "40.95.64.0/18"))),
    (AM, "40.107.64.0/18", _e((G, "40.107.0.0/17"), (AM, "40.107.64.0/18"))),
    (AM, "52.100.64.0/18", _e((G, "52.100.0.0/14"), (AM, "52.100.64.0/18"))),
    (AM, "52.101.64.0/18", _e((G, "52.100.0.0/14"), (AM, "52.101.64.0/18"))),
    (AM, "52.102.64.0/18", _e((G, "52.100.0.0/14"), (AM, "52.102.64.0/18"))),
    (AM, "52.103.64.0/18", _e((G, "52.100.0.0/14"), (AM, "52.103.64.0/18"))),
    (AM, "65.55.169.0/24", _e((G, "65.55.169.0/24"), (AM, "65.55.169.0/24"))),
    (AM, "104.47.32.0/19", _e((G, "104.47.0.0/17"), (AM, "104.47.32.0/19"))),
    (AM, "157.56.110.0/23", _e((G, "157.56.110.0/23"), (AM, "157.56.110.0/23"))),
    (AM, "207.46.100.0/24", _e((G, "207.46.100.0/24"), (AM, "207.46.100.0/24"))),
    (AM, "207.46.163.0/24", _e((G, "207.46.163.0/24"), (AM, "207.46.163.0/24"))),
    (AM, "216.32.180.0/23", _e((G, "216.32.180.0/23"), (AM, "216.32.180.0/23"))),
    (AM, "2a01:111:f400:7c00::/54", _e((G, "2a01:111:f400:7c00::/54"), (AM, "2a01:111:f400:7c00::/54"),
                                       (AP, "2a01:111:f400:7c00::/54"))),
    # EMEA
    (EM, "23.103.132.0/22", _e((G, "23.103.132.0/22"), (AM, "23.103.132.0/22"), (EM, "23.103.132.0/22"))),
    (EM, "23.103.144.0/22", _e((G, "23.103.144.0/20"), (EM, "23.103.144.0/22"))),
    (EM, "40.92.0.0/18", _e((G, "40.92.0.0/14"), (EM, "40.92.0.0/18"))),
    (EM, "40.93.0.0/18", _e((G, "40.92.0.0/14"), (EM, "40.93.0.0/18"))),
    (EM, "40.94.0.0/18", _e((G, "40.92.0.0/14"), (EM, "40.94.0.0/18"))),
    (EM, "40.95.0.0/18", _e((G, "40.92.0.0/14"), (EM, "40.95.0.0/18"))),
    (EM, "40.107.0.0/18", _e((G, "40.107.0.0/17"), (EM, "40.107.0.0/18"))),
    (EM, "52.100.0.0/18", _e((G, "52.100.0.0/14"), (EM, "52.100.0.0/18"))),
    (EM, "52.101.0.0/18", _e((G, "52.100.0.0/14"), (EM, "52.101.0.0/18"))),
    (EM, "52.102.0.0/18", _e((G, "52.100.0.0/14"), (EM, "52.102.0.0/18"))),
    (EM, "52.103.0.0/18", _e((G, "52.100.0.0/14"), (EM, "52.103.0.0/18"))),
    (EM, "94.245.120.64/27", _e((G, "94.245.120.64/26"), (EM, "94.245.120.64/27"))),
    (EM, "104.47.0.0/19", _e((G, "104.47.0.0/17"), (EM, "104.47.0.0/19"))),
    (EM, "157.55.234.0/24", _e((G, "157.55.234.0/24"), (EM, "157.55.234.0/24"))),
    (EM, "157.56.112.0/24", _e((G, "157.56.112.0/24"), (EM, "157.56.112.0/24"))),
    (EM, "213.199.154.0/24", _e((G, "213.199.154.0/24"), (EM, "213.199.154.0/24"))),
    (EM, "213.199.180.128/26", _e((G, "213.199.180.128/26"), (EM, "213.199.180.128/26"))),
    # 7e00::/56 lies inside 7c00::/54, which global, Americas and APAC list
    (EM, "2a01:111:f400:7e00::/56", _e((G, "2a01:111:f400:7c00::/54"), (AM, "2a01:111:f400:7c00::/54"),
                                       (AP, "2a01:111:f400:7c00::/54"), (EM, "2a01:111:f400:7e00::/56"))),
    (EM, "2a01:111:f400:fe00::/56", _e((G, "2a01:111:f400:fc00::/54"), (EM, "2a01:111:f400:fe00::/56"))),
    # APAC
    (AP, "23.103.136.0/21", _e((G, "23.103.136.0/21"), (AM, "23.103.136.0/21"), (AP, "23.103.136.0/21"))),
    # inside Americas' 23.103.152.0/21
    (AP, "23.103.152.0/22", _e((G, "23.103.144.0/20"), (AM, "23.103.152.0/21"), (AP, "23.103.152.0/22"))),
    (AP, "40.92.128.0/17", _e((G, "40.92.0.0/14"), (AP, "40.92.128.0/17"))),
    (AP, "40.93.128.0/17", _e((G, "40.92.0.0/14"), (AP, "40.93.128.0/17"))),
    (AP, "40.94.128.0/17", _e((G, "40.92.0.0/14"), (AP, "40.94.128.0/17"))),
    (AP, "40.95.128.0/17", _e((G, "40.92.0.0/14"), (AP, "40.95.128.0/17"))),
    (AP, "52.100.128.0/17", _e((G, "52.100.0.0/14"), (AP, "52.100.128.0/17"))),
    (AP, "52.101.128.0/17", _e((G, "52.100.0.0/14"), (AP, "52.101.128.0/17"))),
    (AP, "52.102.128.0/17", _e((G, "52.100.0.0/14"), (AP, "52.102.128.0/17"))),
    (AP, "52.103.128.0/17", _e((G, "52.100.0.0/14"), (AP, "52.103.128.0/17"))),
    (AP, "65.55.88.0/24", _e((G, "65.55.88.0/24"), (AP, "65.55.88.0/24"))),
    (AP, "104.47.64.0/18", _e((G, "104.47.0.0/17"), (AP, "104.47.64.0/18"))),
    (AP, "2a01:111:f400:7c00::/54", _e((G, "2a01:111:f400:7c00::/54"), (AM, "2a01:111:f400:7c00::/54"),
                                       (AP, "2a01:111:f400:7c00::/54"))),
]

# RANGES: (doc, service, region, prefix, hits); hits: [(service, region, matched prefix)]
RANGES = ([(doc, "d365-marketing", r, p, [("d365-marketing", r, p)]) for doc in ("000", "001") for p, r in _D365]
          + [("002", "eop", r, p, hits) for r, p, hits in _EOP])

# Addresses in no published range (neighbours of listed ranges).
UNLISTED = [
    "40.78.242.128", "13.66.138.127", "23.103.131.255", "23.103.160.0", "40.91.255.255",
    "40.96.0.0", "52.238.78.87", "52.238.78.89", "94.245.120.128", "216.32.182.0",
    "2a01:111:f400:7bff:ffff:ffff:ffff:ffff", "2a01:111:f401::", "2a01:111:f404::", "2001:db8::5",
]


def net(prefix):
    return ipaddress.ip_network(prefix)


def probes(prefix):
    """First, middle and last address of prefix."""
    n = net(prefix)
    first, last = int(n.network_address), int(n.broadcast_address)
    mid = first + (last - first + 1) // 2 if last > first else first
    cls = type(n.network_address)
    return [str(cls(first)), str(cls(mid)), str(cls(last))]


def expected_hits(addr):
    """Hits of the most specific RANGES row containing addr ([] if none)."""
    a = ipaddress.ip_address(addr)
    best = None
    for _doc, _svc, _reg, p, hits in RANGES:
        n = net(p)
        if n.version == a.version and a in n and (best is None or n.prefixlen > best[0].prefixlen):
            best = (n, hits)
    return [] if best is None else best[1]


def code(service, region):
    return CODES[(service, region)]


def reverse_name(addr, zone):
    """RFC 5782 query name: reversed octets or nibbles under zone."""
    a = ipaddress.ip_address(addr)
    if a.version == 4:
        return ".".join(reversed(str(a).split("."))) + "." + zone
    return ".".join(reversed(a.exploded.replace(":", ""))) + "." + zone


# --- serving the seed zones for the tests ---------------------------------
# test_seed_zones.py and the client tests run against the real dnsxld with
# conf/dnsxld.conf. rbldnsd can serve the same files too (A codes only: it
# has no matched-prefix TXT), given a copy of each file with a `:A:` default
# line; DNSXL_SEED_SERVER=rbldnsd selects it for the client tests.

def conf_datasets(conf_text):
    """(file, type, service, region) of every dataset in the config text."""
    import re
    pat = re.compile(r"type: (\S+), files: \[ (\S+) \],\s*service: (\S+), region: (\S+), pool: (\S+) \}")
    return [(f, t, s, r) for t, f, s, r, _pool in pat.findall(conf_text)]


def start_seed_server(root, workdir, which=None, zone="wl.example.org"):
    """Start dnsxld (default) or rbldnsd on a random loopback port serving
    the shipped seed zones; returns a conftest.Server (call .stop())."""
    import os
    import shutil
    import tempfile
    from conftest import BUILD, Server, free_port
    which = which or os.environ.get("DNSXL_SEED_SERVER", "dnsxld")
    port = free_port()
    if which == "dnsxld":
        argv = [str(BUILD / "dnsxld"), "-n", "--config", str(root / "conf" / "dnsxld.conf"),
                "-b", f"127.0.0.1/{port}", "-b", f"::1/{port}"]
        return Server(argv, port, cwd=workdir, probe=zone)
    # rbldnsd drops to user rbldns: the copies go to a world-readable dir
    data = tempfile.mkdtemp(prefix="dnsxl-rbldnsd-")
    os.chmod(data, 0o755)
    specs = []
    for f, t, s, r in conf_datasets((root / "conf" / "dnsxld.conf").read_text()):
        name = f.replace("/", "_")
        with open(os.path.join(data, name), "w") as out:
            out.write(f":{CODES[(s, r)]}:\n" + (root / "zones" / f).read_text())
        os.chmod(os.path.join(data, name), 0o644)
        specs.append(f"{zone}:{t}:{name}")
    argv = [shutil.which("rbldnsd") or "/usr/sbin/rbldnsd", "-n", "-w", data,
            "-b", f"127.0.0.1/{port}", "-b", f"::1/{port}"] + specs
    try:
        srv = Server(argv, port, cwd=workdir, probe=zone)
    except Exception:
        shutil.rmtree(data, ignore_errors=True)
        raise
    stop = srv.stop

    def stop_and_clean():
        stop()
        shutil.rmtree(data, ignore_errors=True)
    srv.stop = stop_and_clean
    return srv
