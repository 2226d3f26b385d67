"""The offline tool: `dnsxl check` and `dnsxl lookup` on real files."""
import subprocess

from conftest import BUILD

SOA = "$SOA 3600 ns.example.org hostmaster.example.org 2026112201 3600 600 86400 300\n"

CONF = """\
codes:
  services:
    - { id: 1, name: d365-marketing, description: "Dynamics 365 Marketing" }
    - { id: 2, name: eop, description: "Exchange Online Protection" }
  regions:
    - { id: 0, name: global, description: "global" }
    - { id: 1, name: NAM, description: "North America" }
  txt: "{service_desc}, region {region_desc}, pool {pool}, matched {prefix}"
datasets:
  - { name: d365-nam, type: ip4trie, files: [ d365/nam.ip4 ],
      service: d365-marketing, region: NAM, pool: shared }
  - { name: eop-v6, type: ip6tset, files: [ eop.ip6 ], service: eop, region: global }
  - { name: blocked, type: ip4set, files: [ bl.txt ] }
zones:
  - { name: wl.example.org, datasets: [ d365-nam, eop-v6 ] }
  - { name: bl.example.net, datasets: [ blocked ] }
"""


def run(*args, cwd=None):
    return subprocess.run([str(BUILD / "dnsxl"), *args], capture_output=True,
                          text=True, timeout=20, cwd=cwd)


def make_data(tmp_path):
    (tmp_path / "d365").mkdir()
    (tmp_path / "d365" / "nam.ip4").write_text(
        SOA + "40.78.242.0/25\n40.78.243.7 :9:own entry for $\n")
    (tmp_path / "eop.ip6").write_text("2a01:111:f403:0\n")
    (tmp_path / "bl.txt").write_text("192.0.2.0/24 :2:spam from $\n")
    conf = tmp_path / "dnsxld.conf"
    conf.write_text(CONF)
    return conf


def test_check_ok_summary(tmp_path):
    conf = make_data(tmp_path)
    out = run("check", "--config", str(conf))
    assert out.stderr == ""
    assert out.returncode == 0
    lines = out.stdout.splitlines()
    assert lines[0] == "zone wl.example.org: SOA serial 2026112201, 2 datasets"
    assert lines[1] == "  dataset d365-nam (ip4trie): 2 entries"
    assert lines[2] == "  dataset eop-v6 (ip6tset): 1 entry"
    assert lines[3].startswith("zone bl.example.net: SOA serial ")
    assert lines[4] == "  dataset blocked (ip4set): 1 entry"
    assert lines[5] == "0 errors, 0 warnings"
    assert len(lines) == 6


def test_check_specs_relative_to_cwd(tmp_path):
    make_data(tmp_path)
    out = run("check", "bl.example.net:ip4set:bl.txt,d365/nam.ip4", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "zone bl.example.net: SOA serial 2026112201, 1 dataset",
        # ip4set stores a /25 as 128 addresses, as rbldnsd does
        "  dataset ip4set:bl.txt,d365/nam.ip4 (ip4set): 130 entries",
        "0 errors, 0 warnings",
    ]


def test_check_reports_bad_lines_and_missing_files(tmp_path):
    conf = make_data(tmp_path)
    (tmp_path / "bl.txt").write_text("192.0.2.0/24\n300.1.2.3\n")
    out = run("check", "--config", str(conf))
    assert f"warning: {tmp_path}/bl.txt:2: invalid address\n" in out.stderr
    assert out.stdout.endswith("0 errors, 1 warning\n")
    assert out.returncode == 0          # a bad line is skipped, as rbldnsd does
    (tmp_path / "bl.txt").unlink()
    out = run("check", "--config", str(conf))
    assert out.returncode == 1
    assert f"{tmp_path}/bl.txt: unable to open file" in out.stderr
    assert out.stdout == "1 error, 0 warnings\n"


def test_check_config_errors_file_line(tmp_path):
    conf = make_data(tmp_path)
    conf.write_text(CONF.replace("region: NAM", "region: MARS")
                    .replace("type: ip4set, files: [ bl.txt ]", "type: ip9set, files: [ bl.txt ]")
                    + "colour: red\n")
    out = run("check", "--config", str(conf))
    assert out.returncode == 1
    assert out.stderr.splitlines() == [
        f"{conf}:17: unknown key \"colour\"",
        f"{conf}:10: dataset d365-nam: unknown region \"MARS\"",
        f"{conf}:13: dataset blocked: unknown dataset type \"ip9set\"",
    ]
    assert out.stdout == "3 errors, 0 warnings\n"


def test_lookup_labels_prefix_a_txt(tmp_path):
    conf = make_data(tmp_path)
    out = run("lookup", "--config", str(conf), "40.78.242.5", "40.78.243.7",
              "192.0.2.9", "2a01:111:f403::1", "10.1.1.1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "40.78.242.5:",
        "  wl.example.org: d365-nam service=d365-marketing region=NAM pool=shared"
        " prefix=40.78.242.0/25 A=127.0.0.17 TXT=\"Dynamics 365 Marketing, region"
        " North America, pool shared, matched 40.78.242.0/25\"",
        "  bl.example.net: not listed",
        "40.78.243.7:",
        "  wl.example.org: d365-nam service=d365-marketing region=NAM pool=shared"
        " prefix=40.78.243.7/32 A=127.0.0.9 TXT=\"own entry for 40.78.243.7\"",
        "  bl.example.net: not listed",
        "192.0.2.9:",
        "  wl.example.org: not listed",
        "  bl.example.net: blocked service=- region=- pool=- prefix=192.0.2.0/24"
        " A=127.0.0.2 TXT=\"spam from 192.0.2.9\"",
        "2a01:111:f403::1:",
        "  wl.example.org: eop-v6 service=eop region=global pool=-"
        " prefix=2a01:111:f403::/64 A=127.0.0.32 TXT=\"Exchange Online Protection,"
        " region global, pool , matched 2a01:111:f403::/64\"",
        "  bl.example.net: not listed",
        "10.1.1.1:",
        "  wl.example.org: not listed",
        "  bl.example.net: not listed",
    ]


def test_lookup_with_specs_and_options(tmp_path):
    make_data(tmp_path)
    out = run("lookup", "-w", str(tmp_path), "-t", "60", "bl.example.net:ip4set:bl.txt",
              "192.0.2.1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "192.0.2.1:",
        "  bl.example.net: ip4set:bl.txt service=- region=- pool=-"
        " prefix=192.0.2.0/24 A=127.0.0.2 TXT=\"spam from 192.0.2.1\"",
    ]


def test_lookup_bad_config_and_usage(tmp_path):
    out = run("lookup", "z.org:ip4set:/nonexistent/x", "1.2.3.4")
    assert out.returncode == 1
    assert "/nonexistent/x: unable to open file" in out.stderr
    out = run("lookup", "z.org:ip4set:/nonexistent/x")
    assert out.returncode == 2
    assert out.stderr == "dnsxl lookup: no address given\n"
    out = run("frobnicate")
    assert out.returncode == 2
    assert out.stderr.startswith("dnsxl: unknown command \"frobnicate\"\n")
    out = run()
    assert out.returncode == 2
    out = run("--help")
    assert out.returncode == 0
    assert out.stdout.startswith("usage: dnsxl check")
    out = run("--version")
    assert out.stdout.startswith("dnsxl ")


def test_lookup_rfc5782_test_entries_and_mapped(tmp_path):
    (tmp_path / "a.txt").write_text("10.0.0.1\n")
    spec = f"z.org:ip4set:{tmp_path}/a.txt"
    out = run("lookup", spec, "127.0.0.2", "127.0.0.1", "::ffff:10.0.0.1")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "127.0.0.2:",
        "  z.org: (test entry) service=- region=- pool=- prefix=127.0.0.2/32"
        " A=127.0.0.2 TXT=\"RFC 5782 test entry\"",
        "127.0.0.1:",
        "  z.org: not listed",
        "::ffff:10.0.0.1:",
        f"  z.org: ip4set:{tmp_path}/a.txt service=- region=- pool=-"
        " prefix=10.0.0.1/32 A=127.0.0.2",
    ]
    out = run("lookup", "--no-rfc5782-tests", spec, "127.0.0.2")
    assert out.stdout.splitlines() == ["127.0.0.2:", "  z.org: not listed"]


def test_subcommand_help_is_dnsxl_help():
    out = run("check", "--help")
    assert out.returncode == 0
    assert out.stdout.startswith("usage: dnsxl check")


def test_check_lists_acls(tmp_path):
    (tmp_path / "a.txt").write_text("10.0.0.1\n")
    (tmp_path / "z.acl").write_text("192.0.2.0/24 :refuse\n")
    (tmp_path / "g.acl").write_text("198.51.100.0/24 :ignore\n203.0.113.0/24 :refuse\n")
    out = run("check", "z.org:ip4set:a.txt", "z.org:acl:z.acl", ":acl:g.acl", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("zone z.org: SOA serial ")
    assert lines[0].endswith(", 1 dataset")
    assert lines[1:] == [
        "  dataset ip4set:a.txt (ip4set): 1 entry",
        "  acl acl:z.acl (acl): 1 entry",
        "global acl acl:g.acl (acl): 2 entries",
        "0 errors, 0 warnings",
    ]
