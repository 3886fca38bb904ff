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
