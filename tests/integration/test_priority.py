"""--front-priority: the front raises itself a few nice steps above the PHP
workers while it is busy enough to be what requests wait on, and goes back
to their priority when it is not; the zygote and the workers keep the
priority keel was started with. An explicit setting the kernel refuses
stops keel before it binds."""

import os
import shutil
import subprocess
import time

import pytest

from conftest import KEEL_BIN, REQ_TIMEOUT, SCALE, KeelServer, app_dir, descendants_of, poll_until
from test_cli import assert_config_error
from test_resilience import pid_of

APP = app_dir("resilience")  # pid.php answers with the worker's pid

# Runs a command without CAP_SYS_NICE and with an RLIMIT_NICE that allows
# no raise: how keel starts for a user who may not raise its priority.
UNPRIVILEGED = ["prlimit", "--nice=0:0", "setpriv", "--bounding-set=-sys_nice", "--inh-caps=-sys_nice", "--"]

RAISE_TIMEOUT = 20 * SCALE


def nice_of(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read().decode("latin-1")
    # fields after "(comm) ": state is field 3, nice field 19
    return int(data[data.rindex(")") + 2 :].split()[16])


def own_nice():
    return os.getpriority(os.PRIO_PROCESS, 0)


def may_raise_priority():
    """Whether a process started like keel may lower its nice value."""
    probe = subprocess.run(["/usr/bin/python3", "-c", "import os; os.nice(-1)"], capture_output=True)
    return probe.returncode == 0


def assert_family_at(s, nice):
    """The zygote and every worker, the one answering included."""
    family = descendants_of(s.pid)
    assert family, "keel started no zygote"
    assert {pid: nice_of(pid) for pid in family} == {pid: nice for pid in family}
    assert nice_of(pid_of(s)) == nice


class Load:
    """wrk on pid.php, many connections: enough to keep the front busy.
    Bounded in time; stopped as soon as the test has seen what it needs."""

    def __init__(self, s, seconds=30):
        wrk = shutil.which("wrk")
        assert wrk, "wrk is not installed (scripts/install-deps.sh installs it)"
        self.proc = subprocess.Popen([wrk, "-t1", "-c32", f"-d{seconds}s", s.url + "/pid.php"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(REQ_TIMEOUT)


@pytest.mark.parametrize("args,steps", [((), 5), (("--front-priority", "2"), 2)], ids=["default", "explicit"])
def test_front_raised_while_busy_and_back_when_idle(keel, args, steps):
    own = own_nice()
    if not may_raise_priority():
        pytest.skip("this user may not raise a process's priority")
    s = keel(APP, *args)
    # idle: at the workers' priority
    poll_until(lambda: nice_of(s.pid) == own, RAISE_TIMEOUT, what="the idle front at the workers' priority")
    assert_family_at(s, own)
    raised = max(-20, own - steps)
    with Load(s):
        poll_until(lambda: nice_of(s.pid) == raised, RAISE_TIMEOUT, interval=0.05,
                   what=f"the busy front at nice {raised}")
        assert_family_at(s, own)
    poll_until(lambda: nice_of(s.pid) == own, RAISE_TIMEOUT, interval=0.05,
               what="the front back at the workers' priority once idle")


def test_zero_keeps_the_front_with_the_workers(keel):
    own = own_nice()
    s = keel(APP, "--front-priority", "0")
    seen = set()
    with Load(s) as load:
        # 2 s of full load: eight of the front's 250 ms ticks, each of which
        # raises a busy front by default (the test above)
        end = time.monotonic() + 2 * SCALE
        while time.monotonic() < end and load.proc.poll() is None:
            seen.add(nice_of(s.pid))
            time.sleep(0.05)  # pacing of the samples, not synchronisation
    assert seen == {own}
    assert_family_at(s, own)


def test_explicit_priority_refused_stops_before_binding():
    res = subprocess.run(
        [*UNPRIVILEGED, KEEL_BIN, "serve", "--root", str(APP), "--listen", "127.0.0.1:0", "--front-priority", "3"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=30,
    )
    line = assert_config_error(res, "--front-priority 3", "CAP_SYS_NICE")
    assert "ermission" in line or "not permitted" in line, line


def test_default_priority_refused_starts_at_workers_priority():
    own = own_nice()
    s = KeelServer(APP, workers=1)
    s.args = [*UNPRIVILEGED, *s.args]
    try:
        s.start()
        # setpriv execs keel: the same pid
        s.wait_log(r"info .*the front runs at the workers' priority: .*--front-priority")
        with Load(s):
            assert_family_at(s, own)
            assert nice_of(s.pid) == own
    finally:
        s.stop()
