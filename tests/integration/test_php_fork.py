"""pcntl_fork() in a request: the child never takes or answers a request
(it leaves at its first touch of keel's plumbing), and whatever it does
instead ends with its generation, setsid() or not."""

import signal

import pytest

from conftest import EXIT_TIMEOUT, REQ_TIMEOUT, app_dir, pid_alive, poll_until, proc_stat

APP = app_dir("hostile")


def start_time(pid):
    st = proc_stat(pid)
    assert st is not None, f"process {pid} is gone"
    return st[3]


def read_pid_file(path):
    return int(poll_until(lambda: path.exists() and path.read_text(), REQ_TIMEOUT, what=f"{path}"))


@pytest.mark.parametrize("mode", ["classic", "worker"])
def test_a_forked_child_never_serves(keel, tmp_path, mode):
    if mode == "worker":
        s = keel(APP, "--admin", "off", "--worker", str(APP / "worker.php"), workers=1)
        fork, who = "/w?fork=1&f=", "/w"
    else:
        s = keel(APP, "--admin", "off", workers=1)
        fork, who = "/fork.php?f=", "/pid.php"
    pidfile = tmp_path / "child"
    r = s.get(fork + str(pidfile))
    assert r.status == 200 and r.body.startswith(b"parent "), (r.status, r.body)
    parent = int(r.body.split()[1])
    child = read_pid_file(pidfile)
    assert child != parent
    # Its copy of the script ended and went back into keel's code: it must
    # take nothing from the queue, and leave.
    answered = set()
    for _ in range(30):
        r = s.get(who)
        assert r.status == 200, (r.status, r.body)
        answered.add(int(r.body.split()[-1]))
    assert child not in answered, f"the forked child {child} answered requests: {answered}"
    assert answered == {parent}, answered
    poll_until(lambda: not pid_alive(child), REQ_TIMEOUT, what=f"the forked child {child} to leave")


@pytest.mark.parametrize("setsid", [False, True], ids=["same-session", "setsid"])
def test_a_forked_child_ends_with_the_server(keel, tmp_path, setsid):
    s = keel(APP, "--admin", "off", workers=1)
    pidfile = tmp_path / "child"
    r = s.get(f"/fork.php?linger=1&f={pidfile}" + ("&setsid=1" if setsid else ""))
    assert r.status == 200 and r.body.startswith(b"parent "), (r.status, r.body)
    child = read_pid_file(pidfile)
    started = start_time(child)
    assert pid_alive(child, started)
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit() == 0
    poll_until(lambda: not pid_alive(child, started), EXIT_TIMEOUT, what=f"the forked child {child} to end")


def test_a_forked_child_ends_with_its_generation(keel, tmp_path):
    s = keel(APP, "--admin", "off", workers=1)
    pidfile = tmp_path / "child"
    r = s.get(f"/fork.php?linger=1&setsid=1&f={pidfile}")
    assert r.status == 200, (r.status, r.body)
    child = read_pid_file(pidfile)
    started = start_time(child)
    s.proc.send_signal(signal.SIGHUP)
    s.wait_log(r"generation 1 is gone", timeout=EXIT_TIMEOUT * 2)
    poll_until(lambda: not pid_alive(child, started), EXIT_TIMEOUT, what=f"the forked child {child} to end")
    # the server serves on
    assert s.get("/pid.php").status == 200
