"""The request cases of cases.py for dump.php, out.php, flush.php and
error.php again, with keel in worker mode: the script is keel's worker
script (lib/serve.php), so every request runs inside one booted script
(keel_handle_request()) and must see and produce exactly what a fresh
PHP-FPM request does: $_SERVER, $_GET, $_POST, $_COOKIE, $_FILES,
$_REQUEST, php://input, request headers, errors raised while the request
starts; status, headers, cookies, output buffering, flushing, uncaught
errors. The documented differences of the classic comparison apply
unchanged; worker mode adds $_SERVER['FRANKENPHP_WORKER'] and the worker
loop's frames in stack traces, both checked here on their own."""

import re

import pytest

from cases import CASES
import compare
from diffharness import assert_same, both
from test_diff_cases import send_case

# A stack trace in worker mode shows the frames of the worker script's loop
# (keel_handle_request() calling the handler): inherent to worker mode. For
# error.php's cases, and only there, traces are compared with everything
# between "Stack trace:" and "{main}" taken out; the rest (message, file,
# line, status, headers) must still match.
TRACE_RE = re.compile(rb"Stack trace:.*?\{main\}", re.S)


def without_traces(body):
    return TRACE_RE.sub(b"Stack trace: {main}", body)


# The ini profiles whose settings apply per request in worker mode as they
# do under PHP-FPM. ("overrides" sets auto_prepend_file, which a worker
# runs once, when its script boots: inherent to worker mode.)
WORKER_PROFILES = ("default", "display", "limits", "big")

WORKER_MARKER = "json:server.FRANKENPHP_WORKER"

# the scripts that double as worker scripts, by the path that runs them
WORKER_SCRIPTS = {"/dump.php": "dump.php", "/out.php": "out.php", "/flush.php": "flush.php",
                  "/error.php": "error.php"}


def script_of(c):
    return WORKER_SCRIPTS.get(c.get("target", "").split("?")[0])


WORKER_CASES = [c for c in CASES
                if script_of(c) and c.get("raw") is None and c.get("profile", "default") in WORKER_PROFILES]


@pytest.mark.parametrize("c", WORKER_CASES, ids=[c["id"] for c in WORKER_CASES])
def test_case_in_worker_mode(srv, c):
    pair = srv.worker_pair(c.get("profile", "default"), script_of(c))
    ref, keel = both(pair, lambda s: send_case(s, c))
    diffs, errors = compare.diff_responses(ref, keel, pair.ref.port, pair.keel.port, static=c.get("static", False))
    # The one key worker mode adds, on purpose: FrankenPHP's marker, which
    # integrations read to detect worker mode.
    marker = [d for d in diffs if d[0] == WORKER_MARKER]
    if script_of(c) == "dump.php" and ref.status == keel.status == 200 and ref.body:
        assert marker == [(WORKER_MARKER, "<absent>", "1")], marker
    diffs = [d for d in diffs if d[0] != WORKER_MARKER]
    if script_of(c) == "error.php" and any(d[0] == "body" for d in diffs) and ref.body is not None:
        # only the trace may differ, and only by the worker loop's frames
        assert b"keel_handle_request()" in keel.body, keel.body[:500]
        if without_traces(ref.body) == without_traces(keel.body):
            diffs = [d for d in diffs if d[0] != "body"]
    a, b = getattr(ref, "next_request", "closed"), getattr(keel, "next_request", "closed")
    if a.startswith("broken") or b.startswith("broken"):
        diffs.append(("next_request_on_connection", a, b))
    assert_same(c["id"], diffs, errors)


def test_worker_mode_covers_each_script():
    """Guards the filter above: the cases of every script run here."""
    per_script = {s: sum(1 for c in WORKER_CASES if script_of(c) == s) for s in WORKER_SCRIPTS.values()}
    assert per_script["dump.php"] >= 100 and per_script["out.php"] >= 60 and per_script["flush.php"] >= 2, per_script
    assert per_script["error.php"] >= 30, per_script


# The framework applications of the integration tests, classic under
# nginx + php-fpm, in worker mode under keel through keel's integrations:
# the requests whose answers are deterministic (no session, no CSRF token,
# no random cookie), each sent twice in a row so the second reaches a
# worker that already served one.
FRAMEWORK_CASES = [
    ("laravel", "rows-json", "GET", "/api/rows", b""),
    ("laravel", "rows-json-query", "GET", "/api/rows?page=2&x[]=1", b""),
    ("laravel", "rows-json-head", "HEAD", "/api/rows", b""),
    ("laravel", "not-found", "GET", "/api/nothing-here", b""),
    ("laravel", "method-not-allowed", "POST", "/api/rows", b"a=1"),
    ("symfony", "hello", "GET", "/hello/alice", b""),
    ("symfony", "hello-query", "GET", "/hello/bob?x=1&y[]=2", b""),
    ("symfony", "hello-encoded", "GET", "/hello/a%20b", b""),
    ("symfony", "hello-head", "HEAD", "/hello/x", b""),
    ("symfony", "hello-post", "POST", "/hello/x", b"a=1"),
    ("symfony", "not-found", "GET", "/nothing-here", b""),
    ("symfony", "env", "GET", "/env", b""),
]


@pytest.mark.parametrize("fw,name,method,target,body", FRAMEWORK_CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in FRAMEWORK_CASES])
def test_framework_case_in_worker_mode(srv, fw, name, method, target, body):
    pair = srv.framework_pair(fw)
    headers = [("Content-Type", "application/x-www-form-urlencoded")] if body else []
    c = {"method": method, "target": target, "headers": headers, "body": body}
    for attempt in ("first", "again"):
        ref, keel = both(pair, lambda s: send_case(s, c))
        diffs, errors = compare.diff_responses(ref, keel, pair.ref.port, pair.keel.port)
        a, b = getattr(ref, "next_request", "closed"), getattr(keel, "next_request", "closed")
        if a.startswith("broken") or b.startswith("broken"):
            diffs.append(("next_request_on_connection", a, b))
        assert_same(f"{fw}-{name}-{attempt}", diffs, errors)
