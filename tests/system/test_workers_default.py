"""Default worker count: one per CPU the process may run on (its affinity
mask), not one per CPU of the machine."""
import os
import re
import subprocess
import time

from conftest import BUILD, free_port

def workers_started(tmp_path, cpus):
    data = tmp_path / "d.txt"
    data.write_text("127.0.0.2\n")
    port = free_port()
    log = tmp_path / "log.txt"
    with open(log, "w") as out:
        p = subprocess.Popen(["taskset", "-c", cpus, str(BUILD / "dnsxld"), "-n",
                              "-b", f"127.0.0.1/{port}", f"z.example:ip4set:{data}"],
                             stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            m = re.search(r"serving with (\d+) workers?", log.read_text())
            if m:
                return int(m.group(1))
            assert p.poll() is None, log.read_text()
            time.sleep(0.05)
        raise AssertionError("no 'serving with N workers' line: " + log.read_text())
    finally:
        p.terminate()
        p.wait(timeout=10)

def test_default_workers_follow_the_affinity_mask(tmp_path):
    allowed = sorted(os.sched_getaffinity(0))
    assert workers_started(tmp_path, str(allowed[0])) == 1
    if len(allowed) >= 2:
        assert workers_started(tmp_path, f"{allowed[0]},{allowed[1]}") == 2
