"""PHP's environment and extra parameters, as PHP-FPM and nginx give them.

keel's environment reaches $_SERVER and getenv() (PHP-FPM's `clear_env =
no`, FrankenPHP), so `APP_ENV=prod keel serve` puts a Symfony or Laravel
application in production mode; `--clear-env` empties it, `--env KEY=VALUE`
sets one variable (`env[KEY] = VALUE`, `$NAME` from keel's own), `--param
KEY=VALUE` adds a $_SERVER entry (nginx's `fastcgi_param`), which wins over
a variable of the same name. In worker mode a request's changes to $_ENV
and putenv() are gone by the next request."""

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import KEEL_BIN, REQ_TIMEOUT

DUMP = r"""<?php
header('Content-Type: application/json');
$names = ['APP_ENV', 'KEEL_TEST_FROM_SHELL', 'KEEL_TEST_SET', 'KEEL_TEST_COPIED', 'HTTPS', 'USER', 'HOME', 'PATH'];
$out = [];
foreach ($names as $n) {
    $out[$n] = ['server' => $_SERVER[$n] ?? null, 'getenv' => getenv($n)];
}
echo json_encode($out);
"""

WORKER = r"""<?php
while (keel_handle_request(function () {
    header('Content-Type: application/json');
    $before = ['env' => $_ENV['KEEL_TEST_LEAK'] ?? null, 'getenv' => getenv('KEEL_TEST_PUTENV'),
               'server' => $_SERVER['APP_ENV'] ?? null];
    $_ENV['KEEL_TEST_LEAK'] = 'set by a request';
    putenv('KEEL_TEST_PUTENV=set by a request');
    echo json_encode($before);
})) {}
"""


@pytest.fixture
def app(tmp_path):
    root = tmp_path / "public"
    root.mkdir()
    (root / "dump.php").write_text(DUMP)
    (root / "worker.php").write_text(WORKER)
    return root


SHELL = {"APP_ENV": "prod", "KEEL_TEST_FROM_SHELL": "from the shell"}


def dump(s):
    r = s.get("/dump.php")
    assert r.status == 200, r.body
    return json.loads(r.body)


def test_the_environment_reaches_server_and_getenv(keel, app):
    d = dump(keel(app, "--admin", "off", env=SHELL, workers=1))
    assert d["APP_ENV"] == {"server": "prod", "getenv": "prod"}
    assert d["KEEL_TEST_FROM_SHELL"] == {"server": "from the shell", "getenv": "from the shell"}
    assert d["PATH"]["server"] and d["PATH"]["server"] == d["PATH"]["getenv"]


def test_clear_env_keeps_only_env_options(keel, app):
    s = keel(app, "--admin", "off", "--clear-env", "--env", "KEEL_TEST_SET=one=two",
             "--env", "KEEL_TEST_COPIED=$KEEL_TEST_FROM_SHELL", env=SHELL, workers=1)
    d = dump(s)
    assert d["APP_ENV"] == {"server": None, "getenv": False}
    assert d["KEEL_TEST_FROM_SHELL"] == {"server": None, "getenv": False}
    assert d["PATH"] == {"server": None, "getenv": False}
    assert d["KEEL_TEST_SET"] == {"server": "one=two", "getenv": "one=two"}
    assert d["KEEL_TEST_COPIED"] == {"server": "from the shell", "getenv": "from the shell"}


def test_env_option_replaces_a_variable(keel, app):
    d = dump(keel(app, "--admin", "off", "--env", "APP_ENV=staging", env=SHELL, workers=1))
    assert d["APP_ENV"] == {"server": "staging", "getenv": "staging"}
    assert d["KEEL_TEST_FROM_SHELL"]["server"] == "from the shell"


def test_param_adds_a_server_entry_that_wins(keel, app):
    s = keel(app, "--admin", "off", "--param", "HTTPS=on", "--param", "APP_ENV=from-param", env=SHELL,
             workers=1)
    d = dump(s)
    assert d["HTTPS"] == {"server": "on", "getenv": "on"}
    assert d["APP_ENV"] == {"server": "from-param", "getenv": "from-param"}


@pytest.mark.skipif(os.geteuid() != 0, reason="--user needs root")
def test_user_sets_user_and_home(keel, app):
    """As PHP-FPM's pool `user`: USER and HOME name PHP's user."""
    nobody = pwd.getpwnam("nobody")
    shared = Path(tempfile.mkdtemp(prefix="keel-env-"))  # readable by nobody, unlike tmp_path
    try:
        os.chmod(shared, 0o755)
        shutil.copy(app / "dump.php", shared / "dump.php")
        os.chmod(shared / "dump.php", 0o644)
        d = dump(keel(shared, "--admin", "off", "--user", "nobody", env={**SHELL, "USER": "root", "HOME": "/root"},
                      workers=1))
    finally:
        shutil.rmtree(shared)
    assert d["USER"] == {"server": "nobody", "getenv": "nobody"}
    assert d["HOME"] == {"server": nobody.pw_dir, "getenv": nobody.pw_dir}


@pytest.mark.parametrize("args, message", [
    (["--param", "SCRIPT_FILENAME=/etc/passwd"], "SCRIPT_FILENAME names the script or the request"),
    (["--param", "HTTP_HOST=x"], "HTTP_HOST would pose as a request header"),
    (["--param", "=x"], "expected KEY=VALUE"),
    (["--env", "NOEQUALS"], "expected KEY=VALUE"),
])
def test_bad_options_exit_2(app, args, message):
    p = subprocess.run([KEEL_BIN, "serve", "--root", str(app), "--listen", "127.0.0.1:0", "--admin", "off", *args],
                       capture_output=True, text=True, timeout=REQ_TIMEOUT)
    assert p.returncode == 2, p.stderr
    assert message in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr


def test_worker_mode_restores_env_between_requests(keel, app):
    s = keel(app, "--admin", "off", "--worker", str(app / "worker.php"), env=SHELL, workers=1)
    for _ in range(3):
        r = s.get("/")
        assert r.status == 200, r.body
        assert json.loads(r.body) == {"env": None, "getenv": False, "server": "prod"}
