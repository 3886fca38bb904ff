"""`keel doctor`: each check with a set-up that triggers it and one that does
not, through the real command (PHP started as a zygote starts it)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import EXIT_TIMEOUT, KEEL_BIN, REPO, SCALE

LEVELS = ("error", "warn", "ok")
TOPICS = ["application", "php", "memory budget", "tmpfs", "recycling", "opcache files", "opcache memory",
          "opcache interned strings", "deploys", "extensions", "core dumps", "user", "admin"]


def doctor(*args, user=None):
    cmd = [KEEL_BIN, "doctor", *map(str, args)]
    if user:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]  # user: a uid, used as gid too
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=60 * SCALE)
    out = res.stdout.decode()
    findings = {}
    for line in out.splitlines():
        level, _, rest = line.partition(" ")
        topic, _, text = rest.strip().partition(": ")
        assert level in LEVELS, f"a line that is no finding: {line!r}"
        findings.setdefault(topic, []).append((level, text))
    return res.returncode, findings, out + res.stderr.decode(errors="replace")


def level(findings, topic):
    assert topic in findings, f"no finding about {topic}: {findings}"
    assert len(findings[topic]) == 1, findings[topic]
    return findings[topic][0][0]


def text(findings, topic):
    return findings[topic][0][1]


@pytest.fixture
def app(tmp_path):
    """A small application of its own (checks look at its files)."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "index.php").write_text("<?php echo 'hello';\n")
    return root


def test_a_sound_setup(app):
    rc, f, log = doctor("--root", app, "--workers", 2, "-d", "sys_temp_dir=/var/tmp",
                        "-d", "upload_tmp_dir=/var/tmp", "-d", "session.save_path=/var/tmp")
    assert rc == 0, log
    assert sorted(f) == sorted(TOPICS), log
    for topic in TOPICS:
        expected = "warn" if topic == "user" and os.geteuid() == 0 else "ok"
        assert level(f, topic) == expected, log
    assert "2 workers x 128 MiB" in text(f, "memory budget")
    assert "1 PHP file under " + str(app) in text(f, "opcache files")


def test_memory_budget_that_does_not_fit(app):
    rc, f, log = doctor("--root", app, "--workers", 1000, "-d", "memory_limit=1G")
    assert rc == 1, log
    assert level(f, "memory budget") == "error"
    assert "1000 workers x 1.0 GiB" in text(f, "memory budget") and "does not fit" in text(f, "memory budget")


def test_config_file_is_read(app, tmp_path):
    conf = tmp_path / "keel.conf"
    conf.write_text(f"root = {app}\nworkers = 1000\nd = memory_limit=1G\n")
    rc, f, log = doctor("--config", conf)
    assert rc == 1 and level(f, "memory budget") == "error", log


def test_too_many_files_for_opcache(app):
    for i in range(300):
        (app / f"f{i}.php").write_text(f"<?php function f{i}() {{ return {i}; }}\n")
    rc, f, log = doctor("--root", app)
    assert level(f, "opcache files") == "ok", log
    rc, f, log = doctor("--root", app, "-d", "opcache.max_accelerated_files=200")
    assert rc == 1 and level(f, "opcache files") == "error", log
    assert "301 PHP files" in text(f, "opcache files") and "OPcache holds 223" in text(f, "opcache files")


def test_code_too_large_for_opcache_memory_and_strings(app):
    # 4 MiB of source: about 12 MiB compiled and 2 MiB of strings
    (app / "big.php").write_text("<?php\n" + "$a[] = 'abcdefghijklmnopqrstuvwxyz0123456789';\n" * 95000)
    rc, f, log = doctor("--root", app)
    assert level(f, "opcache memory") == "ok" and level(f, "opcache interned strings") == "ok", log
    rc, f, log = doctor("--root", app, "-d", "opcache.memory_consumption=16", "-d", "opcache.interned_strings_buffer=1")
    assert rc == 1, log
    assert level(f, "opcache memory") == "error" and "opcache.memory_consumption=" in text(f, "opcache memory")
    assert level(f, "opcache interned strings") == "error"


def test_opcache_off(app):
    rc, f, log = doctor("--root", app, "-d", "opcache.enable=0")
    assert level(f, "opcache") == "warn" and "OPcache is off" in text(f, "opcache"), log
    assert "opcache files" not in f and "deploys" not in f


def test_deploys(app):
    rc, f, log = doctor("--root", app)
    assert level(f, "deploys") == "ok" and "keel reload" in text(f, "deploys"), log
    rc, f, log = doctor("--root", app, "-d", "opcache.validate_timestamps=1")
    assert level(f, "deploys") == "warn" and "validate_timestamps=1" in text(f, "deploys"), log
    rc, f, log = doctor("--root", app, "--watch")
    assert level(f, "deploys") == "warn" and "--watch" in text(f, "deploys"), log


def test_memory_backed_directories(app):
    rc, f, log = doctor("--root", app, "-d", "sys_temp_dir=/var/tmp", "-d", "session.save_path=/var/tmp")
    if level(f, "tmpfs") != "ok":
        pytest.skip(f"/var/tmp is memory-backed on this machine: {text(f, 'tmpfs')}")
    rc, f, log = doctor("--root", app, "-d", "sys_temp_dir=/dev/shm", "-d", "session.save_path=/var/tmp")
    assert level(f, "tmpfs") == "warn", log
    assert "/dev/shm is memory-backed" in text(f, "tmpfs")
    assert "sys_get_temp_dir() /dev/shm, upload_tmp_dir /dev/shm" in text(f, "tmpfs")


def test_application_on_tmpfs():
    with tempfile.TemporaryDirectory(dir="/dev/shm") as d:
        (Path(d) / "index.php").write_text("<?php\n")
        rc, f, log = doctor("--root", d, "-d", "sys_temp_dir=/var/tmp", "-d", "session.save_path=/var/tmp")
        assert level(f, "tmpfs") == "warn" and "the application " + d in text(f, "tmpfs"), log


def test_core_dumps_into_the_application(app, tmp_path):
    rc, f, log = doctor("--root", app)
    assert level(f, "core dumps") == "ok", log
    rc, f, log = doctor("--root", app, "--core-dir", app / "cores")
    assert rc == 1 and level(f, "core dumps") == "error", log
    assert "inside the application" in text(f, "core dumps")
    rc, f, log = doctor("--root", app, "--core-dir", tmp_path / "cores")
    assert level(f, "core dumps") != "error", log


def test_php_as_root():
    if os.geteuid() != 0:
        pytest.skip("needs root to run the doctor both as root and as another user")
    # a root that nobody can read (pytest's own directory is private)
    d = Path(tempfile.mkdtemp(prefix="keel-doctor-"))
    try:
        d.chmod(0o755)
        (d / "index.php").write_text("<?php\n")
        rc, f, log = doctor("--root", d)
        assert level(f, "user") == "warn" and "as root" in text(f, "user"), log
        rc, f, log = doctor("--root", d, user=65534)  # nobody
        assert level(f, "user") == "ok" and "uid 65534" in text(f, "user"), log
    finally:
        shutil.rmtree(d)


def test_admin_beyond_loopback(app):
    rc, f, log = doctor("--root", app, "--admin", "127.0.0.1:19999")
    assert level(f, "admin") == "ok", log
    rc, f, log = doctor("--root", app, "--admin", "0.0.0.0:19999")
    assert rc == 1 and level(f, "admin") == "error" and "no token" in text(f, "admin"), log
    token = Path(app) / ".." / "admin-token"
    token.write_text("s3cret-token-for-the-doctor-test\n")
    token.chmod(0o600)
    rc, f, log = doctor("--root", app, "--admin", "0.0.0.0:19999", "--admin-token", token)
    assert level(f, "admin") == "ok" and "behind a token" in text(f, "admin"), log


def test_worker_mode_without_recycling():
    leaky = REPO / "examples" / "leaky" / "public"
    rc, f, log = doctor("--root", leaky, "--worker", leaky / "worker.php")
    assert level(f, "recycling") == "warn" and "--max-worker-memory" in text(f, "recycling"), log
    rc, f, log = doctor("--root", leaky, "--worker", leaky / "worker.php", "--max-worker-memory", "64M")
    assert level(f, "recycling") == "ok", log


def test_extensions_as_installed(app):
    # none of the listed extensions is installed here: the triggering
    # set-ups are in tests/unit/cli/test_doctor_extensions.c
    rc, f, log = doctor("--root", app)
    assert level(f, "extensions") == "ok" and "grpc" in text(f, "extensions"), log


def test_php_that_does_not_start(app):
    rc, f, log = doctor("--root", app, "-d", "opcache.preload=" + str(app / "missing.php"))
    assert rc == 1 and level(f, "php") == "error", log
    assert "did not start" in text(f, "php")


def test_missing_root_is_a_finding(tmp_path):
    rc, f, log = doctor("--root", tmp_path / "missing")
    assert rc == 1 and level(f, "application") == "error", log
    assert str(tmp_path / "missing") in text(f, "application")


def test_options_keel_serve_does_not_take():
    res = subprocess.run([KEEL_BIN, "doctor", "--frobnicate"], capture_output=True, timeout=EXIT_TIMEOUT)
    assert res.returncode == 2
    assert res.stdout.decode().startswith("error options: unknown option '--frobnicate'")
    assert subprocess.run([KEEL_BIN, "doctor", "--help"], capture_output=True).returncode == 0
