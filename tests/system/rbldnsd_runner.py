"""Run the Debian rbldnsd on a loopback port, and send many queries to a server fast.

rbldnsd refuses to run as root and drops to the `rbldns` user, so its data
must be in a world-readable directory (pytest's tmp_path is under a 0700
directory): use data_dir() for that.
"""
import os
import pathlib
import select
import shutil
import socket
import subprocess
import tempfile
import time

import dns.flags
import dns.message

RBLDNSD = shutil.which("rbldnsd") or ("/usr/sbin/rbldnsd" if os.path.exists("/usr/sbin/rbldnsd") else None)


def data_dir():
    """A fresh world-readable (0755) directory; the caller removes it."""
    d = tempfile.mkdtemp(prefix="dnsxl-diff-")
    os.chmod(d, 0o755)
    return d


def make_readable(path):
    """chmod 0755 directories and 0644 files under path."""
    p = pathlib.Path(path)
    os.chmod(p, 0o755)
    for f in p.rglob("*"):
        os.chmod(f, 0o755 if f.is_dir() else 0o644)


class Rbldnsd:
    """A running rbldnsd serving specs on 127.0.0.1/port."""

    def __init__(self, specs, port, probe, workdir, extra=()):
        if RBLDNSD is None:
            raise RuntimeError("rbldnsd is not installed")
        self.port = port
        self.host = "127.0.0.1"
        self.logpath = os.path.join(workdir, "rbldnsd-%d.log" % port)
        self.argv = [RBLDNSD, "-n", "-c", "0", "-b", "%s/%d" % (self.host, port)]
        if os.geteuid() == 0:       # rbldnsd will not run as root: drop to rbldns
            self.argv[1:1] = ["-u", "rbldns"]
        self.argv += list(extra) + list(specs)
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        try:
            self._wait(probe)
        except Exception:
            self.stop()
            raise

    def _wait(self, probe, timeout=15.0):
        q = dns.message.make_query(probe, "SOA")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("rbldnsd exited with %d: %s\n%s" % (
                    self.proc.returncode, " ".join(self.argv), self.log_text()))
            try:
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.settimeout(0.2)
                s.sendto(q.to_wire(), (self.host, self.port))
                s.recvfrom(4096)
                s.close()
                return
            except OSError:
                s.close()
                time.sleep(0.05)
        raise RuntimeError("rbldnsd did not answer within %.0fs" % timeout)

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def warnings(self):
        """rbldnsd's complaints about data lines ('file(line): why')."""
        return [l for l in self.log_text().splitlines() if "): " in l and "rbldnsd: file" in l]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def query_many(host, port, queries, window=64, timeout=0.6, tries=4, deadline=60.0):
    """Send (name, qtype) queries over UDP, up to `window` in flight on one
    socket, with retries. Returns the reply wires (bytes, or None when no
    reply came after `tries` sends), in query order."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.setblocking(False)
    sock.connect((host, port))
    results = [None] * len(queries)
    wires = []
    for i, (name, qtype) in enumerate(queries):
        m = dns.message.make_query(name, qtype)
        m.flags &= ~dns.flags.RD
        m.id = i & 0xffff
        wires.append(m.to_wire())
    pending = list(range(len(queries) - 1, -1, -1))  # stack of not yet sent
    inflight = {}                                     # id -> (index, sent_at, tries)
    end = time.monotonic() + deadline
    try:
        while (pending or inflight) and time.monotonic() < end:
            now = time.monotonic()
            while pending and len(inflight) < window:
                i = pending[-1]
                if (i & 0xffff) in inflight:
                    break
                pending.pop()
                try:
                    sock.send(wires[i])
                except BlockingIOError:
                    pending.append(i)
                    break
                inflight[i & 0xffff] = (i, now, 1)
            r, _, _ = select.select([sock], [], [], 0.05)
            if r:
                while True:
                    try:
                        data = sock.recv(65535)
                    except (BlockingIOError, ConnectionRefusedError):
                        break
                    if len(data) < 12:
                        continue
                    qid = int.from_bytes(data[:2], "big")
                    ent = inflight.get(qid)
                    if ent is None:
                        continue
                    if not _same_question(data, wires[ent[0]]):
                        continue
                    results[ent[0]] = data
                    del inflight[qid]
            now = time.monotonic()
            for qid, (i, sent, n) in list(inflight.items()):
                if now - sent > timeout:
                    if n >= tries:
                        del inflight[qid]
                        continue
                    try:
                        sock.send(wires[i])
                    except OSError:
                        pass
                    inflight[qid] = (i, now, n + 1)
    finally:
        sock.close()
    return results


def _same_question(reply, query):
    """The reply's question section is the query's (names compared caselessly)."""
    qlen = len(query) - 12
    return len(reply) >= 12 + qlen and reply[4:6] == query[4:6] and \
        reply[12:12 + qlen].lower() == query[12:].lower()


TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA"}


def _name(w, off):
    """Read a possibly compressed name at off: (lowercased text with dot, next offset)."""
    labels, end, jumps = [], None, 0
    while True:
        n = w[off]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | w[off + 1]
            jumps += 1
            if jumps > 64:
                raise ValueError("compression loop")
            continue
        off += 1
        if n == 0:
            break
        labels.append(w[off:off + n].decode("latin-1").lower())
        off += n
    return ".".join(labels) + ".", (end if end is not None else off)


def parse_reply(w):
    """A small, fast reading of a reply: (rcode text, answer frozenset of
    (owner, type, ttl, value), SOA in authority?, [(section, text)...]).
    TXT values are tuples of bytes (one per string), names are lowercased."""
    if w is None:
        return None
    flags = int.from_bytes(w[2:4], "big")
    qd, an, ns, ar = (int.from_bytes(w[i:i + 2], "big") for i in (4, 6, 8, 10))
    off = 12
    for _ in range(qd):
        _, off = _name(w, off)
        off += 4
    ans, soa = set(), False
    rows = [("HEADER", "flags %s%s%s qd/an/ns/ar %d/%d/%d/%d" % (
        "aa " if flags & 0x400 else "", "tc " if flags & 0x200 else "",
        "ra " if flags & 0x80 else "", qd, an, ns, ar))]
    for sec, count in (("ANSWER", an), ("AUTHORITY", ns)):
        for _ in range(count):
            owner, off = _name(w, off)
            typ = int.from_bytes(w[off:off + 2], "big")
            ttl = int.from_bytes(w[off + 4:off + 8], "big")
            rdlen = int.from_bytes(w[off + 8:off + 10], "big")
            rd = off + 10
            off = rd + rdlen
            t = TYPES.get(typ, "TYPE%d" % typ)
            if t == "A":
                val = ".".join(str(b) for b in w[rd:rd + 4])
            elif t == "TXT":
                parts, p = [], rd
                while p < rd + rdlen:
                    parts.append(bytes(w[p + 1:p + 1 + w[p]]))
                    p += 1 + w[p]
                val = tuple(parts)
            elif t == "MX":
                val = "%d %s" % (int.from_bytes(w[rd:rd + 2], "big"), _name(w, rd + 2)[0])
            elif t in ("NS", "CNAME", "PTR"):
                val = _name(w, rd)[0]
            elif t == "SOA":
                m, p = _name(w, rd)
                r, p = _name(w, p)
                val = "%s %s %s" % (m, r, " ".join(str(int.from_bytes(w[p + 4 * i:p + 4 * i + 4], "big"))
                                                   for i in range(5)))
            else:
                val = bytes(w[rd:rd + rdlen]).hex()
            rows.append((sec, "%s %d %s %s" % (owner, ttl, t, val)))
            if sec == "ANSWER":
                ans.add((owner, t, ttl, val))
            elif t == "SOA":
                soa = True
    rcode = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
             5: "REFUSED"}.get(flags & 15, str(flags & 15))
    return rcode, frozenset(ans), soa, rows


def query_tcp(host, port, name, qtype, timeout=3.0):
    """One query over TCP; the reply wire, or None."""
    m = dns.message.make_query(name, qtype)
    m.flags &= ~dns.flags.RD
    w = m.to_wire()
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(len(w).to_bytes(2, "big") + w)
            buf = b""
            while len(buf) < 2 or len(buf) < 2 + int.from_bytes(buf[:2], "big"):
                chunk = s.recv(65535)
                if not chunk:
                    return None
                buf += chunk
            return buf[2:2 + int.from_bytes(buf[:2], "big")]
    except OSError:
        return None


def truncated(wire):
    return wire is not None and len(wire) > 2 and bool(wire[2] & 0x02)
