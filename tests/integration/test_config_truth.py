"""The command line and the config file tell the truth.

- A config file takes quoted values, the usual booleans (true/false,
  yes/no, on/off, 1/0) and names the line of an unknown name or a value its
  option refuses.
- `keel --help` is in the README word for word, `keel serve --help` ends
  with the same units sentence as the README's option table, and a bare
  number is seconds for a duration on the command line and in a file.
- `--watch` leaves out the directories an application writes into and
  names the file that triggered a reload.
"""

import re
import subprocess

from conftest import KEEL_BIN, REPO, REQ_TIMEOUT, START_TIMEOUT, KeelServer


def run(*args):
    return subprocess.run([KEEL_BIN, *args], capture_output=True, text=True, timeout=REQ_TIMEOUT)


def conf_server(tmp_path, text):
    conf = tmp_path / "keel.conf"
    conf.write_text(text)
    s = KeelServer(tmp_path, workers=1)
    s.args = [KEEL_BIN, "serve", "--config", str(conf)]
    return s


def test_config_file_quotes_and_booleans(tmp_path):
    root = tmp_path / "my root #1"
    root.mkdir()
    (root / "index.php").write_text("<?php echo 'served from ', __DIR__, \"\\n\";")
    s = conf_server(tmp_path, f'''# keel.conf
root = "{root}"        # quoted: a space and a hash inside
listen = '127.0.0.1:0'
workers = 1
admin = off
retry-idempotent = yes
allow-overcommit = On
max-wait = 30          # a bare number: seconds
''')
    try:
        s.start(START_TIMEOUT)
        r = s.get("/")
        assert r.status == 200 and r.body.decode().strip() == f"served from {root}", r.body
    finally:
        s.stop()


def test_config_file_errors_name_their_line(tmp_path):
    for text, want in [
        ("root = /srv\n\nwatch = maybe\n", "line 3: watch takes true or false (yes/no, on/off, 1/0), got 'maybe'"),
        ("root = /srv\nbogus = 1\n", "line 2: unknown option 'bogus'"),
        ("workers = many\n", "line 1: option --workers: expected auto or a number from 1 to 1024, got 'many'"),
        ('root = "/srv\n', "line 1: a quote that does not end"),
    ]:
        conf = tmp_path / "bad.conf"
        conf.write_text(text)
        p = run("serve", "--config", str(conf), "--listen", "127.0.0.1:0", "--admin", "off")
        assert p.returncode == 2, (text, p.stderr)
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1 and want in lines[0], (text, lines)


def test_top_level_help_is_in_the_readme():
    p = run("--help")
    assert p.returncode == 0
    readme = (REPO / "README.md").read_text()
    assert "```\n" + p.stdout + "```" in readme, "README.md must show `keel --help` as it prints"
    assert "`keel --version`" in readme
    v = run("--version")
    assert v.returncode == 0 and re.fullmatch(r"keel \d+\.\d+\.\d+\n", v.stdout), v.stdout


def test_serve_help_matches_the_readme_table():
    p = run("serve", "--help")
    assert p.returncode == 0
    readme = (REPO / "README.md").read_text()
    table = readme.split("<!-- serve-options: generated")[1].split("<!-- /serve-options -->")[0]
    in_readme = re.findall(r"^\| `(-[-\w]+)", table, re.M)
    in_help = re.findall(r"^  (-[-\w]+)", p.stdout, re.M)
    assert in_help[:-1] == in_readme and in_help[-1] == "-h", (in_help, in_readme)
    units = " ".join(p.stdout.split("\n\n")[-1].split())
    assert units in table.replace("`", ""), units
    assert "a bare number is seconds" in units


def test_a_bare_duration_is_seconds_on_the_command_line(tmp_path):
    (tmp_path / "slow.php").write_text("<?php usleep(1500000); echo 'late';")
    (tmp_path / "index.php").write_text("<?php echo 'hi';")
    s = KeelServer(tmp_path, ["--request-timeout", "1"], workers=1)
    try:
        s.start()
        # 1 is one second, not one millisecond: a quick request is untouched
        assert s.get("/").status == 200
        assert s.get("/slow.php").status == 504
    finally:
        s.stop()


def wait_reload(s, n):
    return s.wait_log(rf"reload \(--watch: .*\): starting generation {n}", timeout=REQ_TIMEOUT)


def test_watch_ignores_what_php_writes_and_names_the_change(tmp_path):
    root = tmp_path / "app"
    for d in ("cache", "storage/framework", "src"):
        (root / d).mkdir(parents=True)
    (root / "index.php").write_text("<?php echo 'v1';")
    s = KeelServer(root, ["--watch"], workers=1)
    try:
        s.start()
        s.wait_log(r"--watch: reloading when files change under .*not under storage, var, cache")
        # what the application writes: not watched
        (root / "cache" / "compiled.php").write_text("<?php // cache")
        (root / "storage" / "framework" / "session").write_text("x")
        (root / "storage" / "new-dir").mkdir()
        # then a change of the code
        (root / "src" / "code.php").write_text("<?php // code")
        line = wait_reload(s, 2)
        assert re.search(rf"--watch: {re.escape(str(root))}/src/code\.php( and \d+ more)? changed", line), line
        assert "cache" not in line and "storage" not in line, line
    finally:
        s.stop()


def test_watch_ignore_replaces_the_defaults(tmp_path):
    root = tmp_path / "app"
    for d in ("public/media", "cache"):
        (root / d).mkdir(parents=True)
    (root / "index.php").write_text("<?php echo 'v1';")
    s = KeelServer(root, ["--watch", "--watch-ignore", "public/media"], workers=1)
    try:
        s.start()
        s.wait_log(r"--watch: reloading when files change under .*not under public/media\)")
        (root / "public" / "media" / "upload.jpg").write_bytes(b"jpg")
        (root / "cache" / "now-watched").write_text("x")
        line = wait_reload(s, 2)
        assert f"{root}/cache/now-watched" in line and "media" not in line, line
    finally:
        s.stop()
