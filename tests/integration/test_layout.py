"""Application layouts: what worker mode replaces, and roots that look wrong.

With `--worker public/worker.php` beside Laravel's or Symfony's
`public/index.php`, every request that would run the front controller or
the root's index.php runs the worker script, `GET /` included; other
scripts a request can name run in classic workers, and keel says so at
startup. A root holding composer.json, vendor/ or .git gets a warning: it
is the project, not its public folder."""

import pytest

WORKER = r"""<?php
while (keel_handle_request(function () {
    echo 'worker SCRIPT_NAME=', $_SERVER['SCRIPT_NAME'], ' PATH_INFO=', $_SERVER['PATH_INFO'] ?? '', "\n";
})) {}
"""


def php(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def laravel(tmp_path):
    """public/index.php (what the worker replaces), public/worker.php, one
    more script and a directory index."""
    root = tmp_path / "public"
    php(root / "index.php", "<?php echo 'classic index.php', \"\\n\";")
    php(root / "worker.php", WORKER)
    php(root / "api.php", "<?php echo 'classic api.php', \"\\n\";")
    php(root / "admin" / "index.php", "<?php echo 'classic admin', \"\\n\";")
    (root / "app.css").write_text("body{}\n")
    return root


def body(s, target):
    r = s.get(target)
    assert r.status == 200, (target, r.status, r.body[:200])
    return r.body.decode().strip()


def test_the_worker_replaces_index_php_and_the_front_controller(keel, laravel):
    s = keel(laravel, "--admin", "off", "--worker", str(laravel / "worker.php"), workers=1)
    assert body(s, "/") == "worker SCRIPT_NAME=/worker.php PATH_INFO="
    assert body(s, "/index.php") == "worker SCRIPT_NAME=/worker.php PATH_INFO="
    assert body(s, "/index.php/users/7") == "worker SCRIPT_NAME=/worker.php PATH_INFO=/users/7"
    assert body(s, "/users/7?x=1") == "worker SCRIPT_NAME=/worker.php PATH_INFO="
    assert body(s, "/worker.php") == "worker SCRIPT_NAME=/worker.php PATH_INFO="
    # scripts a request names run classic, as the README says
    assert body(s, "/api.php") == "classic api.php"
    assert body(s, "/admin/") == "classic admin"
    assert body(s, "/app.css") == "body{}"
    line = s.wait_log(r"warn.*worker mode: /admin/, /api.php under .* run in classic workers")
    named = line.split("worker mode: ")[1].split(" under ")[0]
    assert named == "/admin/, /api.php", line


def test_front_controller_option_goes_to_the_worker(keel, laravel):
    php(laravel / "app.php", "<?php echo 'classic app.php', \"\\n\";")
    s = keel(laravel, "--admin", "off", "--worker", str(laravel / "worker.php"), "--front-controller", "app.php",
             workers=1)
    assert body(s, "/app.php") == "worker SCRIPT_NAME=/worker.php PATH_INFO="
    assert body(s, "/") == "worker SCRIPT_NAME=/worker.php PATH_INFO="


def test_frankenphp_convention_has_nothing_to_warn(keel, tmp_path):
    root = tmp_path / "public"
    php(root / "index.php", WORKER)
    (root / "app.css").write_text("body{}\n")
    s = keel(root, "--admin", "off", "--worker", str(root / "index.php"), workers=1)
    assert body(s, "/") == "worker SCRIPT_NAME=/index.php PATH_INFO="
    assert body(s, "/a/route") == "worker SCRIPT_NAME=/index.php PATH_INFO="
    assert not [l for l in s.log_lines if "warn" in l and ("worker mode" in l or "--root" in l)], s.log_text()


def test_a_project_root_is_warned_about(keel, tmp_path):
    root = tmp_path / "project"
    php(root / "index.php", "<?php echo 'hi';")
    (root / "composer.json").write_text("{}\n")
    (root / "vendor").mkdir()
    (root / ".git").mkdir()
    s = keel(root, "--admin", "off", workers=1)
    s.wait_log(r"warn.*--root .*project holds composer.json, vendor/, \.git: it looks like a project, not its "
               r"public folder")


def test_a_public_root_is_not(keel, tmp_path):
    root = tmp_path / "public"
    php(root / "index.php", "<?php echo 'hi';")
    (tmp_path / "composer.json").write_text("{}\n")
    s = keel(root, "--admin", "off", workers=1)
    assert body(s, "/") == "hi"
    assert not [l for l in s.log_lines if "looks like a project" in l], s.log_text()
