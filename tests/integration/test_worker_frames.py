"""What a worker writes on its socket is not believed blindly.

PHP runs in the worker, and anything that can reach the worker's socket
(another process of the same user, through pidfd_getfd) can write frames
on it. The front accepts a response only for a request that worker was
given, judges the figures it reports, and treats anything else as the
worker failing: it is killed and replaced, and nobody else's request is
touched. These tests forge frames on a worker's socket from outside, as
such an attacker would.
"""

import ctypes
import os
import re
import struct

import requests

from conftest import EXIT_TIMEOUT, REQ_TIMEOUT, app_dir, pid_alive, poll_until

SYS_PIDFD_OPEN = 434
SYS_PIDFD_GETFD = 438
RESP_HEAD, RESP_BODY, RESP_END, REQ_DONE = 16, 17, 18, 19

libc = ctypes.CDLL(None, use_errno=True)


def steal_socket(pid):
    """The worker's socket to the front (its only SOCK_STREAM unix socket),
    duplicated into this process."""
    stream_inodes = set()
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[4] == "0001":  # SOCK_STREAM
                stream_inodes.add(fields[6])
    fds = []
    for name in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", link)
        if m and m.group(1) in stream_inodes:
            fds.append(int(name))
    assert len(fds) == 1, (pid, fds)
    pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
    assert pidfd >= 0, os.strerror(ctypes.get_errno())
    try:
        fd = libc.syscall(SYS_PIDFD_GETFD, pidfd, fds[0], 0)
        assert fd >= 0, os.strerror(ctypes.get_errno())
        return fd
    finally:
        os.close(pidfd)


def frame(type_, stream, payload=b"", generation=1):
    return struct.pack("<BBHIII", type_, 0, 0, generation, stream, len(payload)) + payload


def workers(admin):
    return requests.get(admin + "/status", timeout=REQ_TIMEOUT).json()["workers"]


def test_frames_for_a_request_the_worker_was_not_given_end_it(keel):
    s = keel(app_dir("php"), "--admin", "127.0.0.1:0", workers=2)
    admin = f"http://127.0.0.1:{s.admin_port()}"
    for _ in range(4):
        assert requests.get(s.url + "/index.php", timeout=REQ_TIMEOUT).status_code == 200
    victim = workers(admin)[0]["pid"]
    fd = steal_socket(victim)
    try:
        # A whole response for a stream this worker never took: request
        # ids cannot be guessed, so any stream will do.
        head = struct.pack("<HH", 200, 0)
        os.write(fd, frame(RESP_HEAD, 0x5EC2E7, head) + frame(RESP_BODY, 0x5EC2E7, b"forged") +
                 frame(RESP_END, 0x5EC2E7))
    finally:
        os.close(fd)
    s.wait_log(rf"worker \d+ \(pid {victim}\) lost.*: a frame for a request it was not given")
    poll_until(lambda: not pid_alive(victim), EXIT_TIMEOUT, what="the worker that sent forged frames to go")
    # the pool is whole again, and nobody got the forged answer
    poll_until(lambda: len([w for w in workers(admin) if w["state"] == "idle"]) == 2, REQ_TIMEOUT,
               what="a replacement worker")
    for _ in range(4):
        r = requests.get(s.url + "/index.php", timeout=REQ_TIMEOUT)
        assert r.status_code == 200 and "forged" not in r.text
