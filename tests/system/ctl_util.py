"""Helpers for the allowlist, control-channel and RRL system tests: a config
with two zones, queries from a chosen loopback source address, and the
`dnsxl` control client."""
import os
import pathlib
import shutil
import subprocess
import tempfile

import dns.message
import dns.query

from conftest import BUILD

BL = "bl.test"
WL = "wl.test"
LISTED = "1.2.0.192." + BL          # 192.0.2.1 is listed in both zones
UNLISTED = "9.9.9.9." + BL
WL_LISTED = "1.2.0.192." + WL


def short_dir():
    """A short directory for UNIX sockets (sun_path holds 108 bytes)."""
    return pathlib.Path(tempfile.mkdtemp(prefix="dx", dir="/tmp"))


def write_conf(tmp_path, sock=None, allowlist="allow.txt", action=None,
               code=None, wl_action=None, rrl=None, workers=1):
    """dnsxld.conf in tmp_path: zones bl.test and wl.test, one worker."""
    (tmp_path / "bl.ip4").write_text(":127.0.0.2:Listed $\n192.0.2.1\n")
    lines = ["server:", f"  workers: {workers}",
             "datasets:",
             "  - name: bl", "    type: ip4set", "    files: [bl.ip4]",
             "zones:",
             f"  - name: {BL}", "    datasets: [bl]",
             f"  - name: {WL}", "    datasets: [bl]"]
    if wl_action:
        lines.append(f"    allowlist: {{ action: {wl_action} }}")
    if allowlist:
        lines += ["allowlist:", f"  file: {allowlist}"]
        if action:
            lines.append(f"  action: {action}")
        if code:
            lines.append(f"  code: {code}")
    if sock:
        lines += ["control:", f"  socket: {sock}"]
    if rrl:
        lines.append("rrl:")
        lines += [f"  {k}: {v}" for k, v in rrl.items()]
    conf = tmp_path / "dnsxld.conf"
    conf.write_text("\n".join(lines) + "\n")
    return conf


def start(dnsxld_server, conf):
    """dnsxld on the config; ready once it accepts TCP (a denied probe
    could not tell)."""
    return dnsxld_server([], config=conf, probe=None)


def ask(srv, name, rdtype="A", src="127.0.0.1", tcp=False, timeout=1.0):
    """Query from source address src (bound, so the server sees it)."""
    q = dns.message.make_query(name, rdtype)
    host = "::1" if ":" in src else "127.0.0.1"
    if tcp:
        return dns.query.tcp(q, host, port=srv.port, source=src,
                             timeout=timeout)
    return dns.query.udp(q, host, port=srv.port, source=src, timeout=timeout)


def dnsxl(sock, *args, env_extra=None, drop_ssh=True):
    """Run build/dnsxl -s SOCK ARGS; returns the CompletedProcess."""
    env = dict(os.environ)
    if drop_ssh:
        env.pop("SSH_CLIENT", None)
    env.pop("DNSXL_SOCKET", None)
    if env_extra:
        env.update(env_extra)
    argv = [str(BUILD / "dnsxl")]
    if sock is not None:
        argv += ["-s", str(sock)]
    return subprocess.run(argv + list(args), capture_output=True, text=True,
                          env=env, timeout=20)


def cleanup(d):
    shutil.rmtree(d, ignore_errors=True)
