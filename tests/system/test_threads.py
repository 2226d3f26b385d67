"""Threads are named for `top -H` and `ps -L`; the reload thread builds
under SCHED_IDLE (a waking worker takes the core from it at once) and goes
on at nice 10 after DNSXLD_RELOAD_IDLE seconds, so that a build on a core
other programs keep busy still finishes (src/reload_prio.h)."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import BUILD, free_port

SCHED_OTHER, SCHED_IDLE = 0, 5  # linux/sched.h

def threads(pid):
    """{tid: (name, policy, nice)} from /proc/PID/task."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                # fields after "(comm)": nice is field 19, policy 41
                rest = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            # a thread that just ended: its entry may still be listed,
            # and reading it then fails with ESRCH rather than ENOENT
            continue
        out[int(tid)] = (name, int(rest[38]), int(rest[16]))
    return out

def named(pid, *names, secs=20):
    """threads(pid) once every name in names is there (threads name
    themselves when they start, which may come after "serving with")."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        t = threads(pid)
        have = [n for n, _, _ in t.values()]
        if all(x in have for x in names):
            return t
        time.sleep(0.01)
    raise AssertionError(f"threads {names} not all there: {threads(pid)}")

def reload_tid(pid, secs=20):
    """The reload thread, once it has named itself and set its nice value
    (it does so first thing, but a busy core or ASan may delay its start
    past the "serving with" line)."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        for t, (n, _, nice) in threads(pid).items():
            if n == "reload" and nice == 10:
                return t
        time.sleep(0.01)
    raise AssertionError(f"no reload thread at nice 10: {threads(pid)}")

def sched(pid, tid):
    """(policy, nice) of one thread."""
    _, policy, nice = threads(pid)[tid]
    return policy, nice

class Dnsxld:
    """dnsxld on one CPU (or all), with its log in a file."""

    def __init__(self, tmp_path, data, env=None, cpu=None, wrap=(), workers=1, extra=(),
                 tmp=None):
        self.port = free_port()
        self.log = (tmp or tmp_path) / "log.txt"
        argv = list(wrap)
        if cpu is not None:
            argv += ["taskset", "-c", str(cpu)]
        argv += [str(BUILD / "dnsxld"), "-n", "--no-watch", "--workers", str(workers),
                 "-b", f"127.0.0.1/{self.port}", *extra, f"z.example:ip4trie:{data}"]
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                         env={**os.environ, **(env or {})})
        self.wait_log(r"serving with")

    def wait_log(self, pattern, secs=60):
        deadline = time.monotonic() + secs
        while time.monotonic() < deadline:
            text = self.log.read_text()
            if re.search(pattern, text):
                return text
            assert self.proc.poll() is None, text
            time.sleep(0.02)
        raise AssertionError(f"no {pattern!r} in the log:\n" + self.log.read_text())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

@pytest.fixture
def dnsxld(tmp_path):
    started = []
    def start(*a, **kw):
        d = Dnsxld(tmp_path, *a, **kw)
        started.append(d)
        return d
    yield start
    for d in started:
        d.stop()

@pytest.fixture
def hog():
    """A busy loop at nice 0 on one CPU (the last allowed one)."""
    cpu = sorted(os.sched_getaffinity(0))[-1]
    p = subprocess.Popen(["taskset", "-c", str(cpu), "/usr/bin/python3", "-c", "while True: pass"])
    yield cpu
    p.kill()
    p.wait()

@pytest.fixture
def open_dir():
    """A directory user nobody can read (pytest's tmp_path is root's, 0700)."""
    d = tempfile.mkdtemp(prefix="dnsxld-threads-")
    os.chmod(d, 0o755)
    yield __import__("pathlib").Path(d)
    shutil.rmtree(d)

def can_raise_rlimit_nice():
    return subprocess.run(["prlimit", "--nice=10:10", "true"],
                          stderr=subprocess.DEVNULL).returncode == 0

def small(tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("127.0.0.2\n")
    return data

def big(tmp_path, n=300000):
    """n distinct /32s: a build of a few tens of ms on an idle core."""
    data = tmp_path / "big.txt"
    data.write_text("127.0.0.2\n" + "".join(
        f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n" for i in range(n)))
    return data

def test_threads_skips_a_thread_that_ended(monkeypatch):
    """Regression: a thread that ends between the listing of
    /proc/PID/task and the read of its files makes that read fail with
    ESRCH; threads() leaves it out instead of failing the test."""
    import builtins
    import threading
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        gone = t.native_id
        real_open = builtins.open

        def open_esrch(path, *args, **kwargs):
            if f"/task/{gone}/" in str(path):
                raise ProcessLookupError(3, "No such process")
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", open_esrch)
        seen = threads(os.getpid())
        monkeypatch.undo()
        assert gone not in seen
        assert threading.get_native_id() in seen
    finally:
        stop.set()
        t.join()

def test_workers_and_reload_thread_are_named(tmp_path, dnsxld):
    d = dnsxld(small(tmp_path), workers=2)
    reload_tid(d.proc.pid)
    names = sorted(n for n, _, _ in named(d.proc.pid, "worker0", "worker1").values())
    assert names.count("reload") == 1, names
    assert "worker0" in names and "worker1" in names, names

def test_reload_thread_waits_at_nice_10_between_builds(tmp_path, dnsxld):
    d = dnsxld(small(tmp_path), workers=2)
    reload_tid(d.proc.pid)
    t = named(d.proc.pid, "worker0", "worker1")
    assert [(p, n) for name, p, n in t.values() if name == "reload"] == [(SCHED_OTHER, 10)]
    assert all((p, n) == (SCHED_OTHER, 0) for name, p, n in t.values()
               if name.startswith("worker"))

def watch_build(d, tid, until="reloaded", secs=60):
    """SIGHUP, then sample the build thread's (policy, nice) until the log
    says `until`; returns the distinct samples in order."""
    seen = []
    os.kill(d.proc.pid, signal.SIGHUP)
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        s = sched(d.proc.pid, tid)
        if not seen or seen[-1] != s:
            seen.append(s)
        if until in d.log.read_text():
            return seen
        time.sleep(0.005)
    raise AssertionError(f"no {until!r} within {secs} s; saw {seen}\n" + d.log.read_text())

def test_build_runs_idle_then_nice_10_on_a_busy_core(tmp_path, dnsxld, hog):
    """The hog keeps the core busy: the idle build hardly runs until the
    1 s deadline, then finishes at nice 10."""
    data = big(tmp_path)
    d = dnsxld(data, env={"DNSXLD_RELOAD_IDLE": "1"}, cpu=hog)
    tid = reload_tid(d.proc.pid)
    data.write_text(data.read_text() + "192.0.2.1\n")
    seen = watch_build(d, tid)
    assert (SCHED_IDLE, 10) in seen, seen
    i = seen.index((SCHED_IDLE, 10))
    assert (SCHED_OTHER, 10) in seen[i:], seen
    log = d.wait_log(r"reloaded")
    assert "going on at nice 10" in log, log
    assert sched(d.proc.pid, tid) == (SCHED_OTHER, 10)

def test_idle_build_on_a_free_core_needs_no_deadline(tmp_path, dnsxld):
    """Nothing else runs: the build finishes under SCHED_IDLE, well inside
    the default 5 s, and the thread returns to nice 10."""
    data = big(tmp_path, 20000)
    d = dnsxld(data)
    tid = reload_tid(d.proc.pid)
    os.kill(d.proc.pid, signal.SIGHUP)
    text = d.wait_log(r"reloaded")
    assert "going on at nice" not in text, text
    assert sched(d.proc.pid, tid) == (SCHED_OTHER, 10)

def test_reload_idle_0_never_idles(tmp_path, dnsxld, hog):
    data = big(tmp_path)
    d = dnsxld(data, env={"DNSXLD_RELOAD_IDLE": "0"}, cpu=hog)
    tid = reload_tid(d.proc.pid)
    seen = watch_build(d, tid)
    assert seen == [(SCHED_OTHER, 10)], seen

def test_bad_reload_idle_value_is_reported(tmp_path, dnsxld):
    d = dnsxld(small(tmp_path), env={"DNSXLD_RELOAD_IDLE": "soon"})
    d.wait_log("DNSXLD_RELOAD_IDLE=soon: not a number of seconds")

def test_unprivileged_without_rlimit_nice_stays_at_nice_10(open_dir, dnsxld):
    """Leaving SCHED_IDLE needs RLIMIT_NICE >= 10 or CAP_SYS_NICE: without
    them (a plain user) builds never enter it, so never get stuck in it."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become nobody")
    data = small(open_dir)
    d = dnsxld(data, tmp=open_dir, wrap=["prlimit", "--nice=0:0", "--", "setpriv",
                                         "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                         "--inh-caps=-all", "--"])
    d.wait_log("builds run at nice 10, not SCHED_IDLE")
    tid = reload_tid(d.proc.pid)
    assert watch_build(d, tid) == [(SCHED_OTHER, 10)]

def test_root_with_u_raises_rlimit_nice_before_dropping(open_dir, dnsxld):
    """Started as root with -u: RLIMIT_NICE is raised before privileges
    go, so builds still use SCHED_IDLE and get out of it."""
    if os.geteuid() != 0 or not can_raise_rlimit_nice():
        pytest.skip("needs root with CAP_SYS_RESOURCE")
    data = small(open_dir)
    d = dnsxld(data, tmp=open_dir, wrap=["prlimit", "--nice=0", "--"],
               extra=["-u", "nobody"])
    tid = reload_tid(d.proc.pid)        # set up: it would have said so
    text = d.log.read_text()
    assert "not SCHED_IDLE" not in text, text
    with open(f"/proc/{d.proc.pid}/limits") as f:
        assert re.search(r"Max nice priority\s+10\s", f.read())
    seen = watch_build(d, tid)
    assert seen[-1] == (SCHED_OTHER, 10), seen

def test_root_with_u_without_cap_sys_resource_stays_at_nice_10(open_dir, dnsxld):
    """Where root may not raise RLIMIT_NICE (a container without
    CAP_SYS_RESOURCE), -u leaves no way out of SCHED_IDLE: nice 10 only."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    data = small(open_dir)
    d = dnsxld(data, tmp=open_dir, wrap=["prlimit", "--nice=0:0", "--", "setpriv",
                                         "--bounding-set=-sys_resource",
                                         "--inh-caps=-sys_resource", "--"],
               extra=["-u", "nobody"])
    d.wait_log("builds run at nice 10, not SCHED_IDLE")
    tid = reload_tid(d.proc.pid)
    assert watch_build(d, tid) == [(SCHED_OTHER, 10)]
