"""Sustained load through the shared request queue.

Under load a worker often finishes one request and takes the next before
the front has read the first one's frames, and the front's periodic tick
looks at every worker meanwhile. No request may be answered with an error
and no worker may be lost for it: a frame of one request reaching another
is a protocol violation that kills the worker (and 502s its request).
"""

import re
import shutil
import subprocess

import requests

from conftest import REQ_TIMEOUT, SCALE, app_dir

WRK_SECONDS = 4  # 16 ticks of the front's 250 ms tick


def test_sustained_load_answers_every_request_and_loses_no_worker(keel):
    wrk = shutil.which("wrk")
    assert wrk, "wrk is not installed (scripts/install-deps.sh installs it)"
    s = keel(app_dir("php"), "--admin", "127.0.0.1:0", workers=4)
    admin = f"http://127.0.0.1:{s.admin_port()}"
    out = subprocess.run([wrk, "-t2", "-c48", f"-d{WRK_SECONDS}s", s.url + "/index.php"], capture_output=True,
                         text=True, timeout=WRK_SECONDS * 10 * SCALE).stdout
    done = re.search(r"(\d+) requests in", out)
    assert done and int(done.group(1)) > 1000, out
    assert "Non-2xx" not in out and "Socket errors" not in out, out
    st = requests.get(admin + "/status", timeout=REQ_TIMEOUT).json()
    assert st["worker_crashes"] == 0, st
    lost = [line for line in s.log_text().splitlines() if "lost" in line or "killed" in line]
    assert not lost, lost
