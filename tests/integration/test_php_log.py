"""Nothing PHP writes can pose as a line of keel's log: error_log() messages
have their newlines escaped, and what PHP (or a program it starts) writes
on stdout or stderr is logged a line at a time, naming the worker."""

import os
import re

from conftest import app_dir

APP = app_dir("hostile")

# keel's own log lines start with a time stamp of this form.
LINE_START_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (error|warn|info) keel\[\d+\] ")


def test_php_cannot_write_a_line_that_looks_like_keels(keel):
    s = keel(APP, "--admin", "off", workers=1)
    tag = f"t{os.getpid()}"
    r = s.get(f"/log.php?tag={tag}")
    assert r.status == 200, (r.status, r.body)
    ways = ["error-log", "stderr", "stdout", "child"]
    lines = {w: s.wait_log(rf"forged-{tag}-{w}") for w in ways}
    for line in s.log_text().splitlines():
        assert LINE_START_RE.match(line) or line.startswith("  "), f"a log line that is not keel's: {line!r}"
    for way, line in lines.items():
        assert LINE_START_RE.match(line), line
        assert not re.search(rf"forged-{tag}.*forged-{tag}", line), line
    # error_log(): PHP's message, its newline escaped
    assert re.search(r" worker 1: PHP message: a\\n2001-01-01T00:00:00\.000Z error keel\[1\] front: forged-",
                     lines["error-log"]), lines["error-log"]
    # what PHP or a program it started wrote on stdout or stderr: a line
    # each, naming the worker
    for way in ("stderr", "stdout", "child"):
        assert re.search(r" zygote: worker 1 \(pid \d+\) printed: 2001-01-01T00:00:00\.000Z error keel\[1\] front: ",
                         lines[way]), lines[way]
    assert not any(tag in l for l in s.stdout_lines), s.stdout_lines


LEVELS = r"""<?php
$tag = $_GET['tag'];
switch ($_GET['c']) {
case 'warning': trigger_error("lvl-$tag-warning", E_USER_WARNING); break;
case 'notice': trigger_error("lvl-$tag-notice", E_USER_NOTICE); break;
case 'deprecated': trigger_error("lvl-$tag-deprecated", E_USER_DEPRECATED); break;
case 'error_log': error_log("lvl-$tag-error_log"); break;
case 'fatal': trigger_error("lvl-$tag-fatal", E_USER_ERROR); break;
}
echo "done\n";
"""


def test_php_errors_are_logged_at_their_level(keel, tmp_path):
    """PHP's syslog priority decides the line's level: fatal errors are
    errors, warnings warnings, notices, deprecations and error_log() info."""
    (tmp_path / "levels.php").write_text(LEVELS)
    s = keel(tmp_path, "--admin", "off", "-d", "log_errors=1", "-d", "display_errors=0", "-d", "error_reporting=-1",
             workers=1)
    want = {"warning": "warn", "notice": "info", "deprecated": "info", "error_log": "info", "fatal": "error"}
    tag = f"t{os.getpid()}"
    for case in want:
        s.get(f"/levels.php?c={case}&tag={tag}")
    for case, level in want.items():
        line = s.wait_log(rf"PHP message: .*lvl-{tag}-{case}\b")
        assert LINE_START_RE.match(line).group(1) == level, (case, line)


def test_an_error_log_file_gets_phps_messages(keel, tmp_path):
    """With error_log set PHP writes its messages there itself, not to
    keel's log, as under PHP-FPM."""
    (tmp_path / "levels.php").write_text(LEVELS)
    log = tmp_path / "php-errors.log"
    s = keel(tmp_path, "--admin", "off", "-d", "log_errors=1", "-d", "display_errors=0", "-d", f"error_log={log}",
             workers=1)
    tag = f"f{os.getpid()}"
    assert s.get(f"/levels.php?c=warning&tag={tag}").status == 200
    assert f"lvl-{tag}-warning" in log.read_text()
    assert not [l for l in s.log_lines if f"lvl-{tag}" in l]
