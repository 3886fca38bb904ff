"""The command line: help, and refusal of bad configuration (one line on
stderr, exit code 2, nothing bound)."""

import os
import signal
import socket
import subprocess

import pytest

from conftest import EXIT_TIMEOUT, KEEL_BIN, READY_RE, app_dir, descendants_of, pid_alive

SERVE_OPTIONS = [
    "--root",
    "--listen",
    "--workers",
    "-d",
    "--php-ini",
    "--front-controller",
    "--max-queue",
    "--max-wait",
    "--max-body",
    "--shutdown-timeout",
]


def run(*args, timeout=EXIT_TIMEOUT):
    """Runs keel to completion. If it does not exit in time, it and anything
    it started are killed and the test fails."""
    p = subprocess.Popen([KEEL_BIN, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        family = descendants_of(p.pid)
        p.kill()
        for pid, start in family.items():
            if pid_alive(pid, start):
                os.kill(pid, signal.SIGKILL)
        out, err = p.communicate()
        raise AssertionError(f"keel {' '.join(args)} did not exit within {timeout:.0f}s: {err!r}")
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def assert_config_error(res, *needles):
    err = res.stderr.decode(errors="replace")
    assert res.returncode == 2, f"exit code {res.returncode}, stderr: {err!r}"
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected exactly one line on stderr, got {lines!r}"
    assert not READY_RE.search(err), "keel said ready despite a bad configuration"
    for n in needles:
        assert n in err, f"{n!r} not named in {err!r}"
    return lines[0]


@pytest.fixture(autouse=True)
def _binary():
    if not os.path.exists(KEEL_BIN):
        pytest.fail(f"keel binary not found at {KEEL_BIN}")


def test_top_level_help():
    res = run("--help")
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode()
    assert "usage" in out.lower()
    assert "serve" in out


def test_serve_help_lists_every_option():
    res = run("serve", "--help")
    assert res.returncode == 0, res.stderr
    out = res.stdout.decode()
    assert "usage" in out.lower()
    for opt in SERVE_OPTIONS:
        assert opt in out, f"{opt} missing from `keel serve --help`"


def test_version():
    import re
    from conftest import REPO

    declared = re.search(r"version\s*:\s*'([^']+)'", (REPO / "meson.build").read_text()).group(1)
    res = run("version")
    assert res.returncode == 0, res.stderr
    assert declared in res.stdout.decode()


def test_unknown_option():
    port = free_port()
    res = run("serve", "--root", str(app_dir("php")), "--listen", f"127.0.0.1:{port}", "--frobnicate")
    assert_config_error(res, "--frobnicate")


def test_unknown_subcommand():
    res = run("frobnicate")
    assert res.returncode == 2, res


def test_missing_root():
    res = run("serve", "--root", "/nonexistent/keel-test-root", "--listen", "127.0.0.1:0")
    assert_config_error(res, "/nonexistent/keel-test-root")


def test_root_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    res = run("serve", "--root", str(f), "--listen", "127.0.0.1:0")
    assert_config_error(res)


@pytest.mark.parametrize(
    "args",
    [
        ["--workers", "0"],
        ["--workers", "many"],
        ["--max-body", "lots"],
        ["--max-wait", "forever"],
        ["--shutdown-timeout", "-1s"],
        ["--max-queue", "-3"],
        ["-d", "no_equals_sign"],
        ["--workers"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_values(args):
    res = run("serve", "--root", str(app_dir("php")), "--listen", "127.0.0.1:0", *args)
    assert_config_error(res)


def test_address_in_use():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        res = run("serve", "--root", str(app_dir("php")), "--listen", f"127.0.0.1:{port}", "--workers", "1")
        assert_config_error(res)
    finally:
        s.close()


def test_nonexistent_php_ini(tmp_path):
    res = run(
        "serve",
        "--root",
        str(app_dir("php")),
        "--listen",
        "127.0.0.1:0",
        "--php-ini",
        str(tmp_path / "missing.ini"),
    )
    assert_config_error(res)

