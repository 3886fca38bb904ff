"""Files keel never sends: PHP source, by any name PHP may run or a copy
of one carries, and dotfiles, also where a symlink inside the root leads;
and --no-php directories, where no script runs (an uploads folder).

The root is built per module in a temporary directory, since the cases
need symlinks and names a repository should not hold.
"""

import os
import subprocess

import pytest

from conftest import KEEL_BIN, REQ_TIMEOUT

SOURCE = "<?php echo 'ran'; // SECRET-SOURCE\n"

# Names that carry PHP source: never a static file.
PHP_NAMES = ["X.PHP", "a.Php", "a.phtml", "a.php5", "a.php7", "a.phar", "a.phps", "a.pht", "index.php~",
             "a.php.bak", "a.php.orig", "shell.php;.jpg", "wp-config.php.save", "%23a.php%23"]


def make_root(root):
    root.mkdir()
    (root / "index.php").write_text("<?php echo 'front ', $_SERVER['REQUEST_URI'], \"\\n\";\n")
    (root / "real.php").write_text("<?php echo \"real\\n\";\n")
    (root / "ok.txt").write_text("plain\n")
    (root / "a.phpx").write_text("not php\n")
    for name in PHP_NAMES:
        (root / name.replace("%23", "#")).write_text(SOURCE)
    (root / ".env").write_text("SECRET=dotenv\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[core] SECRET=git\n")
    (root / "data.txt").write_text("SECRET-DATA\n")
    # symlinks inside the root
    os.symlink(".env", root / "env.txt")
    os.symlink("real.php", root / "source.txt")
    os.symlink(".git", root / "gitdir")
    os.symlink("ok.txt", root / "ok-link.txt")
    os.symlink("data.txt", root / "data.php")        # a script that is not one
    os.symlink("real.php", root / "linked.php")      # a script through a link
    os.symlink(".env", root / "envscript.php")
    # an uploads folder where nothing may run
    up = root / "uploads"
    up.mkdir()
    (up / "shell.php").write_text(SOURCE)
    (up / "shell.phtml").write_text(SOURCE)
    (up / "index.php").write_text(SOURCE)
    (up / "pic.txt").write_text("picture\n")
    (up / "sub").mkdir()
    (up / "sub" / "deep.php").write_text(SOURCE)
    os.symlink("uploads/shell.php", root / "via-link.php")
    return root


@pytest.fixture(scope="module")
def server(module_keel, tmp_path_factory):
    root = make_root(tmp_path_factory.mktemp("files") / "root")
    return module_keel(root, "--no-php", "uploads", workers=1)


def get(server, target, method="GET"):
    r = server.get(target, method=method, timeout=REQ_TIMEOUT)
    return r.status, r.body


@pytest.mark.parametrize("name", PHP_NAMES)
def test_php_source_names_are_never_sent(server, name):
    status, body = get(server, "/" + name)
    assert status == 403, (status, body[:200])
    assert b"SECRET-SOURCE" not in body
    status, body = get(server, "/" + name, method="HEAD")
    assert status == 403


def test_other_files_are_served(server):
    assert get(server, "/ok.txt") == (200, b"plain\n")
    assert get(server, "/a.phpx") == (200, b"not php\n")
    assert get(server, "/ok-link.txt") == (200, b"plain\n")
    assert get(server, "/real.php") == (200, b"real\n")


@pytest.mark.parametrize("target", ["/env.txt", "/source.txt", "/gitdir/config"])
def test_a_symlink_does_not_lead_to_what_its_target_may_not_send(server, target):
    status, body = get(server, target)
    assert status == 403, (status, body[:200])
    assert b"SECRET" not in body


def test_a_script_runs_through_a_symlink_only_to_a_php_file(server):
    assert get(server, "/linked.php") == (200, b"real\n")
    for target in ("/data.php", "/envscript.php"):
        status, body = get(server, target)
        assert status == 403, (target, status, body[:200])
        assert b"SECRET" not in body


@pytest.mark.parametrize("target", ["/uploads/shell.php", "/uploads/shell.php/extra", "/uploads/sub/deep.php",
                                    "/uploads/", "/via-link.php", "/uploads//shell.php", "/x/../uploads/shell.php",
                                    "/uploads/%73hell.php"])
def test_no_php_directory_runs_no_script(server, target):
    status, body = get(server, target)
    assert status == 403, (target, status, body[:200])
    assert b"ran" not in body and b"SECRET-SOURCE" not in body


def test_no_php_directory_still_serves_its_files(server):
    assert get(server, "/uploads/pic.txt") == (200, b"picture\n")
    assert get(server, "/uploads/shell.phtml")[0] == 403
    # a missing file there goes to the front controller, which runs outside it
    assert get(server, "/uploads/missing.jpg") == (200, b"front /uploads/missing.jpg\n")


def test_front_controller_under_no_php_is_refused_at_startup(tmp_path):
    root = tmp_path / "root"
    (root / "uploads").mkdir(parents=True)
    (root / "uploads" / "index.php").write_text("<?php\n")
    p = subprocess.run([KEEL_BIN, "serve", "--root", str(root), "--listen", "127.0.0.1:0", "--admin", "off",
                        "--front-controller", "uploads/index.php", "--no-php", "uploads"],
                       capture_output=True, text=True, timeout=REQ_TIMEOUT)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stderr.strip() == "keel: --front-controller uploads/index.php is under --no-php uploads"
