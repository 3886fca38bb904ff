"""One instance, one admin address: `keel reload` never reaches another
keel. A second instance whose admin address (the default included) is
taken refuses to start, naming the address and what to do; with `--admin
off` it starts, and a plain `keel reload` reloads the instance that holds
the default address, not it.

The default address is 127.0.0.1:9180 whatever else runs on this machine,
so the instances run in a network namespace of their own (root only), with
a loopback nobody else uses."""

import os
import shutil
import subprocess

import pytest

from conftest import KEEL_BIN, REQ_TIMEOUT, START_TIMEOUT, KeelServer, app_dir

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("nsenter"),
                                reason="a network namespace needs root, unshare and nsenter")


@pytest.fixture
def netns():
    """A network namespace with its loopback up, held by a sleeping process."""
    p = subprocess.Popen(["unshare", "--net", "--", "sh", "-c", "ip link set lo up && echo up && exec sleep 600"],
                         stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "up"
        yield f"/proc/{p.pid}/ns/net"
    finally:
        p.kill()
        p.wait()


def in_ns(ns, *cmd):
    return ["nsenter", f"--net={ns}", "--", *cmd]


def serve(ns, *args):
    """keel serve in the namespace, with exactly args (no --admin added)."""
    s = KeelServer(app_dir("php"), workers=1)
    s.args = in_ns(ns, KEEL_BIN, "serve", "--root", str(app_dir("php")), "--listen", "127.0.0.1:0",
                   "--workers", "1", *args)
    return s


def test_a_second_instance_cannot_take_the_default_admin_address(netns):
    first = serve(netns)
    try:
        first.start()
        first.wait_log(r"admin: http://127\.0\.0\.1:9180 ")
        second = subprocess.run(in_ns(netns, KEEL_BIN, "serve", "--root", str(app_dir("php")), "--listen",
                                      "127.0.0.1:0", "--workers", "1"),
                                capture_output=True, text=True, timeout=START_TIMEOUT)
        assert second.returncode == 2, second.stderr
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert "127.0.0.1:9180" in lines[0] and "--admin off" in lines[0] and "keel reload" in lines[0], lines[0]
        assert "ready:" not in second.stderr

        # without an admin listener it starts, and `keel reload` reaches
        # the instance that has the default address, never this one
        third = serve(netns, "--admin", "off")
        try:
            third.start()
            r = subprocess.run(in_ns(netns, KEEL_BIN, "reload"), capture_output=True, text=True,
                               timeout=START_TIMEOUT)
            assert (r.returncode, r.stdout.strip()) == (0, "2"), r.stderr
            first.wait_log(r"generation 2 is serving")
            assert not [l for l in third.log_lines if "reload" in l], third.log_text()
        finally:
            third.stop()
    finally:
        first.stop()


def test_an_explicit_admin_address_in_use_is_refused_too(netns):
    first = serve(netns, "--admin", "127.0.0.1:9181")
    try:
        first.start()
        second = subprocess.run(in_ns(netns, KEEL_BIN, "serve", "--root", str(app_dir("php")), "--listen",
                                      "127.0.0.1:0", "--admin", "127.0.0.1:9181"),
                                capture_output=True, text=True, timeout=REQ_TIMEOUT * 2)
        assert second.returncode == 2, second.stderr
        assert "--admin" in second.stderr and "127.0.0.1:9181" in second.stderr, second.stderr
    finally:
        first.stop()
