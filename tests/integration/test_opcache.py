"""OPcache is on, and its cache is shared by all workers."""

import os
import time

import requests

from conftest import REQ_TIMEOUT, copy_app


def old_copy(tmp_path):
    """A copy of apps/opcache whose files are an hour old, so OPcache's
    file_update_protection (2 s) does not stop them being cached."""
    root = copy_app("opcache", tmp_path / "root")
    t = time.time() - 3600
    for f in root.iterdir():
        os.utime(f, (t, t))
    return root


def test_opcache_enabled_over_http(keel, tmp_path):
    s = keel(old_copy(tmp_path), workers=1)
    r = requests.get(s.url + "/status.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["sapi"] == "fpm-fcgi"
    assert d["opcache_loaded"] is True
    assert d["opcache_enabled"] is True


def test_opcache_shared_between_workers(keel, tmp_path, release):
    root = old_copy(tmp_path)
    s = keel(root, workers=2)

    r = requests.get(s.url + "/other.php", timeout=REQ_TIMEOUT)
    assert r.status_code == 200
    pid_a = int(r.text)

    holds = []
    try:
        # Hold workers until worker A is one of the held ones, then free the
        # other so the check must run on a process other than A.
        rel1 = release()
        h1 = s.stream("/hold.php?" + rel1.query)
        holds.append((h1, rel1))
        b1 = h1.read_until(b"\n")
        pid_h1 = int(b1.split(b"pid=")[1].split()[0])
        if pid_h1 != pid_a:
            rel2 = release()
            h2 = s.stream("/hold.php?" + rel2.query)
            holds.append((h2, rel2))
            b2 = h2.read_until(b"\n")
            pid_h2 = int(b2.split(b"pid=")[1].split()[0])
            assert pid_h2 != pid_h1
            # free the first one; A (if it still exists) stays held
            rel1.fire()
            assert b"second" in h1.read_all()
            held_pid = pid_h2
        else:
            held_pid = pid_h1

        r = requests.get(s.url + "/check.php", timeout=REQ_TIMEOUT)
        assert r.status_code == 200, r.text
        d = r.json()
        assert d["pid"] != held_pid
        assert d["pid"] != pid_a, "check ran in the process that compiled other.php; the test proves nothing"
        assert d["cached_never"] is False  # the probe can say no
        assert d["cached"] is True, f"other.php, compiled by pid {pid_a}, is not in the cache seen by pid {d['pid']}"
    finally:
        for h, rel in holds:
            rel.fire()
        for h, rel in holds:
            try:
                h.read_all()
            except Exception:
                pass
            h.close()


def test_changed_script_is_recompiled(keel, tmp_path):
    """With timestamps validated on every request, an edited script runs
    in its new version in every worker (the shared cache is not stale)."""
    root = old_copy(tmp_path)
    # keel's default is validate_timestamps=0 (code changes come with a
    # reload); this test is about the cache when timestamps are validated.
    s = keel(root, "-d", "opcache.validate_timestamps=1", "-d", "opcache.revalidate_freq=0", workers=2)
    script = root / "edit.php"
    script.write_text("<?php echo 'version-one';")
    t = time.time() - 3600
    os.utime(script, (t, t))
    for _ in range(4):
        assert requests.get(s.url + "/edit.php", timeout=REQ_TIMEOUT).text == "version-one"
    script.write_text("<?php echo 'version-two';")
    t = time.time() - 1800
    os.utime(script, (t, t))
    for _ in range(4):
        assert requests.get(s.url + "/edit.php", timeout=REQ_TIMEOUT).text == "version-two"
