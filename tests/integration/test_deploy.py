"""Atomic symlink deploys, as Capistrano, Deployer and most pipelines do
them: each release in releases/N, `current` switched to it by an atomic
rename, then `keel reload`, then old releases deleted.

keel serves `--root BASE/current/public`; each generation resolves the root
(and the worker script) when it starts, so after the switch and the reload
PHP and static files come from the new release, while requests still
running in the old generation finish there. Deleting the old release once
the reload returned fails no request. Every wait is on a condition with a
deadline.
"""

import http.client
import os
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import APPS, KEEL_BIN, REQ_TIMEOUT, START_TIMEOUT, Release, get

DEPLOYS = 10
LOADERS = 3
BODY_RE = re.compile(r"^release (\d+) root (\S+)$")


def aged(path):
    """An mtime an hour back: OPcache's file_update_protection would keep a
    file written this second out of the cache."""
    t = time.time() - 3600
    os.utime(path, (t, t))


def make_release(base, n, worker):
    """releases/n: a front controller that includes a file outside public/,
    a stylesheet, and a file only this release has."""
    d = base / "releases" / str(n)
    (d / "public").mkdir(parents=True)
    (d / "src").mkdir()
    files = {
        d / "src" / "version.php": f"<?php return {n};\n",
        d / "public" / "app.css": f"/* release {n} */\n",
        d / "public" / f"only-{n}.txt": f"{n}\n",
    }
    if worker:
        # FrankenPHP's convention: the worker script is the front controller.
        files[d / "public" / "index.php"] = (
            "<?php\n"
            "$v = require __DIR__ . '/../src/version.php';\n"
            "while (keel_handle_request(function () use ($v) {\n"
            "    header('Content-Type: text/plain');\n"
            "    echo 'release ', $v, ' root ', $_SERVER['DOCUMENT_ROOT'], \"\\n\";\n"
            "})) {}\n"
        )
    else:
        files[d / "public" / "index.php"] = (
            "<?php\n"
            "$v = require __DIR__ . '/../src/version.php';\n"
            "header('Content-Type: text/plain');\n"
            "echo 'release ', $v, ' root ', $_SERVER['DOCUMENT_ROOT'], \"\\n\";\n"
        )
    for path, text in files.items():
        path.write_text(text)
        aged(path)
    return d


def switch(base, n):
    """`ln -sfn releases/N current.tmp && mv -T current.tmp current`: a new
    link renamed over the old one, so `current` is never missing."""
    tmp = base / "current.tmp"
    if tmp.is_symlink():
        tmp.unlink()
    os.symlink(f"releases/{n}", tmp)
    os.replace(tmp, base / "current")


class Load:
    """Threads that each ask for the front controller, a pretty URL and the
    stylesheet in turn, on keep-alive connections, and record every answer
    that is not a 200 from some release."""

    def __init__(self, port):
        self.port = port
        self.stop = threading.Event()
        self.failures = []
        self.count = 0
        self.lock = threading.Lock()
        # per thread: the newest release it has seen; a request sent after
        # an answer from release N must never come from an older one
        self.regressions = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(LOADERS)]

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(REQ_TIMEOUT * 3)

    def one(self, conn, target):
        conn.request("GET", target)
        r = conn.getresponse()
        body = r.read().decode(errors="replace")
        if r.status != 200:
            raise AssertionError(f"{target}: {r.status} {body[:200]!r}")
        if target == "/app.css":
            m = re.match(r"^/\* release (\d+) \*/$", body.strip())
            if not m:
                raise AssertionError(f"{target}: {body[:200]!r}")
            return int(m.group(1))
        m = BODY_RE.match(body.strip())
        if not m:
            raise AssertionError(f"{target}: {body[:200]!r}")
        return int(m.group(1))

    def run(self, i):
        newest = 0
        conn = None
        targets = ["/", "/some/page?i=%d" % i, "/app.css"]
        k = 0
        while not self.stop.is_set():
            target = targets[k % len(targets)]
            k += 1
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQ_TIMEOUT)
            try:
                n = self.one(conn, target)
            except (OSError, http.client.HTTPException) as e:
                # a keep-alive connection the server closed between two
                # requests is retried once on a new one, as clients do
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQ_TIMEOUT)
                try:
                    n = self.one(conn, target)
                except (OSError, http.client.HTTPException, AssertionError) as e2:
                    with self.lock:
                        self.failures.append(f"{target}: {e!r} then {e2!r}")
                    continue
            except AssertionError as e:
                with self.lock:
                    self.failures.append(str(e))
                continue
            with self.lock:
                self.count += 1
                if n < newest:
                    self.regressions.append(f"{target}: release {n} after {newest}")
            newest = max(newest, n)
        if conn is not None:
            conn.close()


def keel_reload(admin):
    p = subprocess.run([KEEL_BIN, "reload", "--admin", f"127.0.0.1:{admin}"], capture_output=True, text=True,
                       timeout=START_TIMEOUT)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    return int(p.stdout.strip())


def release_of(port, target):
    r = get(port, target)
    assert r.status == 200, (target, r.status, r.body[:200])
    text = r.body.decode().strip()
    if target.endswith(".css"):
        return int(re.match(r"^/\* release (\d+) \*/$", text).group(1))
    m = BODY_RE.match(text)
    assert m, text
    return int(m.group(1)), m.group(2)


@pytest.mark.parametrize("mode", ["classic", "worker"])
def test_ten_symlink_deploys_under_load(keel, tmp_path, mode):
    base = tmp_path / "app"
    base.mkdir()
    make_release(base, 1, mode == "worker")
    switch(base, 1)
    args = ["--admin", "127.0.0.1:0"]
    if mode == "worker":
        args += ["--worker", str(base / "current" / "public" / "index.php")]
    s = keel(base / "current" / "public", *args, workers=2)
    admin = s.admin_port()
    assert release_of(s.port, "/") == (1, str((base / "releases" / "1" / "public").resolve()))

    load = Load(s.port)
    load.start()
    try:
        for n in range(2, DEPLOYS + 2):
            make_release(base, n, mode == "worker")
            switch(base, n)
            gen = keel_reload(admin)
            # new PHP, new static files, with the new release's paths
            assert release_of(s.port, "/") == (n, str((base / "releases" / str(n) / "public").resolve()))
            assert release_of(s.port, "/a/pretty/url")[0] == n
            assert release_of(s.port, "/app.css") == n
            r = get(s.port, f"/only-{n}.txt")
            assert (r.status, r.body) == (200, f"{n}\n".encode())
            # the old release's file is gone: the front controller answers
            assert release_of(s.port, f"/only-{n - 1}.txt")[0] == n
            # keep_releases: the old release goes while its generation may
            # still finish what it runs
            shutil.rmtree(base / "releases" / str(n - 1))
            s.wait_log(rf"generation {gen} serves from {re.escape(str(base))}/releases/{n}/public")
            # the load saw the new release before the next deploy
            seen = load.count
            deadline = time.monotonic() + REQ_TIMEOUT
            while load.count < seen + LOADERS * 3 and time.monotonic() < deadline and not load.failures:
                time.sleep(0.01)  # polling a counter the load threads bump
    finally:
        load.finish()
    assert not load.failures, load.failures[:10]
    assert not load.regressions, load.regressions[:10]
    assert load.count > DEPLOYS * LOADERS, load.count
    assert sorted(p.name for p in (base / "releases").iterdir()) == [str(DEPLOYS + 1)]


def test_reload_keeps_serving_when_the_new_root_is_missing(keel, tmp_path):
    """A `current` that leads nowhere fails the reload with the reason; the
    generation serving goes on with its own release."""
    base = tmp_path / "app"
    base.mkdir()
    make_release(base, 1, False)
    switch(base, 1)
    s = keel(base / "current" / "public", "--admin", "127.0.0.1:0", workers=1)
    admin = s.admin_port()
    tmp = base / "current.tmp"
    os.symlink("releases/2", tmp)
    os.replace(tmp, base / "current")
    p = subprocess.run([KEEL_BIN, "reload", "--admin", f"127.0.0.1:{admin}"], capture_output=True, text=True,
                       timeout=START_TIMEOUT)
    assert p.returncode == 1, (p.stdout, p.stderr)
    assert "--root" in p.stderr and "No such file or directory" in p.stderr, p.stderr
    assert release_of(s.port, "/")[0] == 1
    assert release_of(s.port, "/app.css") == 1


def test_a_request_waiting_across_the_switch_runs_the_new_release(keel, tmp_path):
    """A request routed with release 1 while every worker was busy, still
    waiting when release 2's generation takes over, is routed again: it
    runs release 2's script, from release 2's paths. The request release 1
    still runs finishes after release 1 was deleted."""
    base = tmp_path / "app"
    base.mkdir()
    for n in (1, 2):
        make_release(base, n, False)
        shutil.copy(APPS / "reload" / "hold.php", base / "releases" / str(n) / "public" / "hold.php")
    switch(base, 1)
    s = keel(base / "current" / "public", "--admin", "127.0.0.1:0", workers=1)
    admin = s.admin_port()
    rel = Release(tmp_path)
    held = s.stream("/hold.php?" + rel.query)
    held.read_until(b"first")
    waiting = s.stream("/")  # no free worker: it waits in generation 1's queue
    switch(base, 2)
    keel_reload(admin)
    assert release_of(s.port, "/")[0] == 2
    body = waiting.read_all().decode().strip()
    assert BODY_RE.match(body) and BODY_RE.match(body).group(1) == "2", body
    # release 1 goes while its generation still runs the held request:
    # that request ends as it would have, and release 2 goes on serving
    shutil.rmtree(base / "releases" / "1")
    assert release_of(s.port, "/app.css") == 2
    rel.fire()
    assert held.read_all().endswith(b"second\n")
    assert release_of(s.port, "/")[0] == 2
