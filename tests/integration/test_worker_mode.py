"""Worker mode (`keel serve --worker SCRIPT`): the script boots once per
worker process and serves requests in a loop on keel_handle_request().

What persists (the script's own state) and what must not (anything about
the previous request), how failures replace the worker, how boot failures
are retried and given up on, and how worker mode sits next to classic
scripts, static files and OPcache. Every check goes over real HTTP to a real
keel; waits are on conditions with deadlines.
"""

import hashlib
import json
import os
import re
import signal
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

import pytest
import requests

from conftest import (
    EXIT_TIMEOUT,
    HOLD_MAX,
    REPO,
    REQ_TIMEOUT,
    SCALE,
    START_TIMEOUT,
    KeelServer,
    app_dir,
    copy_app,
    pid_alive,
    poll_until,
)

EXAMPLE_ROOT = REPO / "examples" / "worker" / "public"


# ---------------------------------------------------------------- helpers


def start_worker_mode(keel, root, *args, script="worker.php", workers=1, classic=1):
    """Starts keel in worker mode on root with root/script as the worker script."""
    return keel(
        root,
        "--worker",
        str(Path(root) / script),
        "--classic-workers",
        str(classic),
        *args,
        workers=workers,
    )


def fetch(s, target, session=None, **kw):
    kw.setdefault("timeout", REQ_TIMEOUT)
    return (session or requests).get(s.url + target, **kw)


def fetch_json(s, target, session=None, **kw):
    r = fetch(s, target, session=session, **kw)
    assert r.status_code == 200, (target, r.status_code, r.text[:500])
    return r.json()


def old_copy(name, dest):
    """A copy of apps/<name> whose files are an hour old, so OPcache's
    file_update_protection does not keep them out of the cache."""
    root = copy_app(name, dest)
    t = time.time() - 3600
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            os.utime(Path(dirpath) / f, (t, t))
    return root


LOG_TS_RE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)Z ")
WORKER_LINE_RE = re.compile(r"keel\[(\d+)\] worker \d+: ")
FRONT_WORKER_RE = re.compile(r"worker \d+ \(pid (\d+)\) (failed to boot|exited with status)")
FAILED_RE = re.compile(r"worker \d+ \(pid (\d+)\) failed to boot: ")
EXITED_RE = re.compile(r"worker \d+ \(pid (\d+)\) exited with status")
# The give-up line; the last error it quotes may span lines, so match its start.
GIVE_UP_RE = r"the worker script .* failed to boot \d+ times in a row \(last: "


def log_time(line):
    m = LOG_TS_RE.match(line)
    if not m:
        return None
    return datetime.fromisoformat(m.group(1)).timestamp()


def boot_attempts(lines, exclude=()):
    """Worker processes seen failing to boot, in order, as (pid, first log
    time). A pid counts when the worker logged from it (PHP's message) or
    the front named it as failed or exited."""
    first = {}
    for line in lines:
        t = log_time(line)
        if t is None:
            continue
        pids = []
        m = WORKER_LINE_RE.search(line)
        if m:
            pids.append(int(m.group(1)))
        m = FRONT_WORKER_RE.search(line)
        if m:
            pids.append(int(m.group(1)))
        for p in pids:
            if p not in exclude and p not in first:
                first[p] = t
    return sorted(first.items(), key=lambda kv: kv[1])


def multipart_upload(s, target, content, session=None):
    files = {"doc": ("report.bin", content, "application/octet-stream")}
    return (session or requests).post(s.url + target, data={"field": "value"}, files=files, timeout=REQ_TIMEOUT)


# ---------------------------------------------------------------- a shared server for the per-request reset


@pytest.fixture(scope="module")
def dirs(tmp_path_factory):
    base = tmp_path_factory.mktemp("worker-mode")
    d = {"sessions": base / "sessions", "uploads": base / "uploads"}
    for p in d.values():
        p.mkdir()
    return d


@pytest.fixture(scope="module")
def wserver(module_keel, dirs):
    """One worker-mode worker (so every worker-mode request reaches the same
    process), one classic worker."""
    root = app_dir("worker")
    return module_keel(
        root,
        "--worker",
        str(root / "worker.php"),
        "--classic-workers",
        "1",
        "-d",
        f"session.save_path={dirs['sessions']}",
        "-d",
        f"upload_tmp_dir={dirs['uploads']}",
        workers=1,
    )


def test_state_persists_across_requests_in_one_worker(wserver):
    first = fetch_json(wserver, "/state")
    assert first["worker"] == "1"  # $_SERVER['FRANKENPHP_WORKER'] in a request
    assert first["boot_server"]["FRANKENPHP_WORKER"] == "1"  # ... and while booting
    assert first["boot_server"]["SCRIPT_NAME"] == "/worker.php"
    assert first["pid"] == first["boot_pid"]
    prev = first
    for _ in range(5):
        d = fetch_json(wserver, "/state")
        assert d["pid"] == first["pid"], "one worker-mode worker, yet another process answered"
        assert d["boot_pid"] == first["boot_pid"]
        assert d["booted_at"] == first["booted_at"], "the worker script booted again"
        assert d["count"] == prev["count"] + 1, (prev, d)
        prev = d


def test_paths_and_the_worker_script_itself_reach_the_worker(wserver):
    base = fetch_json(wserver, "/state")
    for target in ("/", "/some/route", "/deep/er/path?x=1", "/worker.php", "/missing.html"):
        d = fetch_json(wserver, target)
        assert d["pid"] == base["pid"], target
        assert d["script_name"] == "/worker.php", target


def test_query_does_not_leak(wserver):
    a = fetch_json(wserver, "/vars?a=1&b[]=2")
    assert a["GET"] == {"a": "1", "b": ["2"]}
    assert a["REQUEST"]["a"] == "1"
    b = fetch_json(wserver, "/vars")
    assert b["pid"] == a["pid"]
    assert b["GET"] == [] and b["REQUEST"] == [], b
    assert b["QUERY_STRING"] == ""


def test_post_does_not_leak(wserver):
    r = requests.post(wserver.url + "/vars", data={"p": "secret"}, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["POST"] == {"p": "secret"}
    assert a["REQUEST"] == {"p": "secret"}
    assert a["raw_body"] == "p=secret"
    b = fetch_json(wserver, "/vars")
    assert b["pid"] == a["pid"]
    assert b["POST"] == [] and b["REQUEST"] == [] and b["raw_body"] == "", b
    assert b["REQUEST_METHOD"] == "GET"


def test_cookie_does_not_leak(wserver):
    a = fetch_json(wserver, "/vars", headers={"Cookie": "c1=v1; c2=v2"})
    assert a["COOKIE"] == {"c1": "v1", "c2": "v2"}
    b = fetch_json(wserver, "/vars")
    assert b["pid"] == a["pid"]
    assert b["COOKIE"] == [], b


def test_request_header_does_not_leak(wserver):
    a = fetch_json(wserver, "/vars", headers={"X-Custom": "from-first-request"})
    assert a["X_CUSTOM"] == "from-first-request"
    b = fetch_json(wserver, "/vars")
    assert b["pid"] == a["pid"]
    assert b["X_CUSTOM"] is None, b


def test_files_do_not_leak(wserver):
    r = multipart_upload(wserver, "/vars", b"file-body")
    assert r.status_code == 200, r.text
    a = r.json()
    assert a["FILES"]["doc"]["name"] == "report.bin"
    assert a["POST"] == {"field": "value"}
    b = fetch_json(wserver, "/vars")
    assert b["pid"] == a["pid"]
    assert b["FILES"] == [] and b["POST"] == [], b


def test_leaks_checked_on_one_keep_alive_connection(wserver):
    with requests.Session() as sess:
        a = sess.post(
            wserver.url + "/vars?q=1",
            data={"p": "1"},
            headers={"X-Custom": "x", "Cookie": "k=v"},
            timeout=REQ_TIMEOUT,
        ).json()
        assert a["GET"] == {"q": "1"} and a["POST"] == {"p": "1"} and a["COOKIE"] == {"k": "v"}
        b = fetch_json(wserver, "/vars", session=sess)
    assert b["pid"] == a["pid"]
    assert (b["GET"], b["POST"], b["COOKIE"], b["FILES"], b["REQUEST"], b["X_CUSTOM"]) == ([], [], [], [], [], None)


def test_basic_credentials_do_not_leak_and_cost_no_memory(wserver):
    """PHP_AUTH_USER/PW are the current request's; and reading them leaves
    nothing behind in the worker's heap, which lives as long as the worker."""
    with requests.Session() as sess:
        first = fetch_json(wserver, "/auth", session=sess, auth=("alice", "secret-password"))
        assert (first["user"], first["pw"]) == ("alice", "secret-password")
        after = [fetch_json(wserver, "/auth", session=sess, auth=("alice", "secret-password")) for _ in range(200)]
        assert {d["pid"] for d in after} == {first["pid"]}
        # two strings per request were lost before: 40 bytes each time here
        grown = after[-1]["memory"] - after[9]["memory"]
        assert grown < 1024, f"the worker's heap grew by {grown} bytes over 190 requests with credentials"
        plain = fetch_json(wserver, "/auth", session=sess)
    assert plain["pid"] == first["pid"]
    assert plain["user"] is None and plain["pw"] is None, plain


def test_request_bodies_do_not_accumulate(wserver):
    """PHP keeps each request's body in a temp stream it frees at the end
    of an ordinary request; a worker must free it after each request."""
    with requests.Session() as sess:
        def post(i):
            r = sess.post(wserver.url + "/vars", data=f'{{"n":{i}}}'.encode(),
                          headers={"Content-Type": "application/json"}, timeout=REQ_TIMEOUT)
            assert r.status_code == 200, r.text
            assert r.json()["raw_body"] == f'{{"n":{i}}}'
        for i in range(10):
            post(i)
        before = fetch_json(wserver, "/auth", session=sess)
        for i in range(200):
            post(i)
        after = fetch_json(wserver, "/auth", session=sess)
    assert after["pid"] == before["pid"]
    grown = after["memory"] - before["memory"]
    assert grown < 1024, f"the worker's heap grew by {grown} bytes over 200 requests with a body"


def test_php_input_kept_past_its_request_stays_readable(wserver):
    """A php://input stream an application keeps reads its own request's
    body later, not freed memory; the next requests see their own bodies."""
    with requests.Session() as sess:
        r = sess.post(wserver.url + "/input-keep", data=b"first-body", timeout=REQ_TIMEOUT)
        assert r.status_code == 200 and r.text == "first-body", r.text
        pid = fetch_json(wserver, "/auth", session=sess)["pid"]
        r = sess.post(wserver.url + "/vars", data=b"second-body", timeout=REQ_TIMEOUT)
        assert r.json()["raw_body"] == "second-body"
        for _ in range(3):
            r = sess.get(wserver.url + "/input-kept", timeout=REQ_TIMEOUT)
            assert r.status_code == 200 and r.text == "kept:first-body", r.text
        assert sess.get(wserver.url + "/input-drop", timeout=REQ_TIMEOUT).text == "dropped"
        r = sess.post(wserver.url + "/vars", data=b"third-body", timeout=REQ_TIMEOUT)
        assert r.json()["raw_body"] == "third-body"
        assert fetch_json(wserver, "/auth", session=sess)["pid"] == pid


def test_ini_changes_last_one_request_boot_settings_stay(wserver):
    """As under PHP-FPM, ini_set() and set_include_path() in a request last
    that request; what the worker script set while booting stays."""
    with requests.Session() as sess:
        before = fetch_json(wserver, "/ini-get", session=sess)
        assert (before["precision"], before["include_path"]) == ("7", "/from-boot")
        assert fetch_json(wserver, "/ini-set", session=sess)["precision"] == "3"
        after = fetch_json(wserver, "/ini-get", session=sess)
    assert after["pid"] == before["pid"]
    assert after == before, after


def test_last_error_does_not_reach_the_next_request(wserver):
    """error_get_last() starts empty in each request: the previous
    request's warning (here quoting its query) is not shown to the next."""
    with requests.Session() as sess:
        warned = fetch_json(wserver, "/warn?secret=hunter2", session=sess)
        assert warned["last"] == "warned about hunter2"
        nxt = fetch_json(wserver, "/last-error", session=sess)
    assert nxt["pid"] == warned["pid"]
    assert nxt["last"] is None, nxt


def test_process_state_a_request_changes_is_put_back(wserver, tmp_path):
    """What PHP-FPM resets after every request does not reach the next
    worker-mode request: putenv() (also of a variable the worker script
    set while booting), umask(), setlocale(), an mt_srand()
    seed, and the stat cache (a file that changed shows its new size)."""
    f = tmp_path / "sized.txt"
    f.write_bytes(b"abc")
    q = "?file=" + urllib.parse.quote(str(f), safe="/")
    with requests.Session() as sess:
        before = fetch_json(wserver, "/process-get", session=sess)
        changed = fetch_json(wserver, "/process-set" + q, session=sess)
        assert changed["size"] == 3
        f.write_bytes(b"abcdefgh")
        after = fetch_json(wserver, "/process-get" + q, session=sess)
    assert after["pid"] == changed["pid"] == before["pid"]
    assert after["env"] is False, after
    # a variable the worker script set while booting keeps the script's value
    assert before["boot_env"] == "boot", before
    assert after["boot_env"] == "boot", after
    assert before["umask"] == 0o027  # what the worker script set while booting
    assert after["umask"] == 0o027, after
    # PHP starts with LC_CTYPE=C.UTF-8, so the request's "C" is a change
    assert before["locale"] != "C", before
    assert after["locale"] == before["locale"], (before, after)
    assert after["mt_rand"] != changed["seeded_next"], "the previous request's mt_srand() seed stayed"
    assert after["size"] == 8, "the previous request's stat cache answered"


def test_handlers_a_request_installs_end_with_it(keel):
    """set_error_handler()/set_exception_handler() inside the callable last
    that request, as under PHP-FPM; the worker script's own handler stays."""
    s = start_worker_mode(keel, app_dir("worker"), script="handlers.php")
    with requests.Session() as sess:
        assert fetch(s, "/probe", session=sess).text == "boot-handler:probe\nexception-handler:none\n"
        assert fetch(s, "/install", session=sess).text == "nested-request-handler:during install\n"
        for _ in range(2):
            r = fetch(s, "/probe", session=sess)
            assert r.text == "boot-handler:probe\nexception-handler:none\n", r.text


def test_shutdown_functions_a_request_registers_run_after_it(keel, tmp_path, monkeypatch):
    """register_shutdown_function() inside the callable runs after that
    request (its output still reaches the client), as under PHP-FPM, not
    when the worker ends; the worker script's own waits for the worker's
    end. One that calls exit() ends the worker after its request."""
    log = tmp_path / "shutdown.log"
    monkeypatch.setenv("KEEL_TEST_SHUTDOWN_LOG", str(log))  # the script's own writes "boot"
    s = start_worker_mode(keel, app_dir("worker"), script="handlers.php")
    q = "?log=" + urllib.parse.quote(str(log), safe="/")
    with requests.Session() as sess:
        pid = fetch(s, "/pid", session=sess).text
        for i in range(3):
            r = fetch(s, "/register" + q, session=sess)
            assert r.text == "registered\nfrom-shutdown-function\n", r.text
            assert log.read_text() == "request\n" * (i + 1)
        assert fetch(s, "/pid", session=sess).text == pid
        exiting = fetch(s, "/register-exit", session=sess)
        assert exiting.status_code == 200 and exiting.text == pid
        assert poll_until(lambda: (t := fetch(s, "/pid").text) != pid and t, EXIT_TIMEOUT,
                          what="a new worker after exit() in a shutdown function")
    # the exited worker ran the script's own shutdown function, once, at its end
    poll_until(lambda: log.read_text().endswith("boot\n"), EXIT_TIMEOUT, what="the boot shutdown function")
    assert log.read_text() == "request\n" * 3 + "boot\n"


def assert_changes_end_with_their_request(keel, get, boot, changes):
    """On handlers.php: GET `get` answers `boot`, and still does after each
    request of `changes` ((target, its own answer) pairs) changed what it
    reads."""
    s = start_worker_mode(keel, app_dir("worker"), script="handlers.php")
    with requests.Session() as sess:
        assert fetch(s, get, session=sess).text == boot
        for target, answer in changes:
            assert fetch(s, target, session=sess).text == answer
            assert fetch(s, get, session=sess).text == boot


def test_time_zone_a_request_sets_ends_with_it(keel):
    """date_default_timezone_set() in a request (a user's own zone) does not
    reach the next request; the worker script's zone, and a date it kept,
    stay."""
    assert_changes_end_with_their_request(keel, "/tz-get", "Europe/Paris 2021-06-01T12:00:00+02:00 CEST\n",
                                          [("/tz-set", "Asia/Tokyo\n")] * 2)


def test_mbstring_settings_a_request_makes_end_with_it(keel):
    """mb_internal_encoding(), mb_substitute_character(), mb_detect_order()
    and mb_regex_encoding() in a request last that request; the worker
    script's settings stay."""
    assert_changes_end_with_their_request(keel, "/mb-get", "ISO-8859-1 63 UTF-8,ISO-8859-1 EUC-JP\n",
                                          [("/mb-set", "UTF-16 ASCII UTF-8\n")] * 2)


def test_mb_ereg_search_string_ends_with_its_request(keel):
    """mb_ereg_search_init() keeps the request's string for the
    mb_ereg_search*() functions; under PHP-FPM it is dropped after the
    request, and the next request must not read it."""
    # the match ends the string, so the position is its length
    assert_changes_end_with_their_request(
        keel, "/mb-search-get", "false 0\n",
        [(f"/mb-search-set?who={who}", f'["from {who}","{who}"] {len("greetings from " + who)}\n')
         for who in ("alice", "bob")])


def test_libxml_internal_errors_end_with_the_request(keel):
    """libxml_use_internal_errors(true) and the errors collected under it
    last their request, as under PHP-FPM: the next request neither finds
    them (another client's document) nor keeps collecting."""
    assert_changes_end_with_their_request(keel, "/xml-errors-get", '{"internal":false,"errors":0}\n',
                                          [(f"/xml-errors-on?who={who}", "errors kept\n") for who in ("alice", "bob")])


def test_libxml_internal_errors_from_boot_stay_on_without_old_errors(wserver):
    """The worker script turned libxml_use_internal_errors() on while
    booting: it stays on, but each request starts with no errors."""
    first = fetch_json(wserver, "/xml")
    assert first["internal"] is True and first["errors"] == [], first
    bad = fetch_json(wserver, "/xml?bad=alice")
    assert bad["pid"] == first["pid"]
    assert bad["errors"] and any("wrong" in e for e in bad["errors"]), bad
    after = fetch_json(wserver, "/xml")
    assert after["pid"] == first["pid"]
    assert after["internal"] is True and after["errors"] == [], after


def test_libxml_loader_and_streams_context_end_with_the_request(keel):
    """libxml_set_external_entity_loader() and libxml_set_streams_context()
    in a request last that request, as under PHP-FPM: the next request's
    documents load through the worker script's loader and without the
    previous request's context (it may carry a user's credentials)."""
    assert_changes_end_with_their_request(keel, "/xml-get", "boot loader, none\n",
                                          [(f"/xml-set?who={who}", f"{who}\n") for who in ("alice", "bob")])


def test_signal_handlers_a_request_installs_end_with_it(keel):
    """pcntl_signal() in a request lasts that request, as under PHP-FPM:
    afterwards the worker script's handler is back (SIGUSR1), a signal it
    left alone has no handler (SIGUSR2), and SIGPIPE, which workers
    ignore, is ignored again."""
    assert_changes_end_with_their_request(keel, "/signals-get", "boot 0 ignored\n",
                                          [(f"/signals-set?who={who}", f"{who} default\n") for who in ("alice", "bob")])


def test_strtok_string_ends_with_its_request(keel):
    """strtok() keeps the string it tokenizes; the next request's
    strtok($token) must not go on with the previous request's words."""
    assert_changes_end_with_their_request(keel, "/strtok-next", "bool(false)\n",
                                          [("/strtok-start?words=alice+secret+words", "alice\n")])


def test_rewrite_vars_end_with_their_request(keel):
    """output_add_rewrite_var() adds a hidden field to the forms of its
    request's output only: the next request's forms get its own variables,
    never another client's, as under PHP-FPM."""
    def form(name, value):
        return f'<form action="/next"><input type="hidden" name="{name}" value="{value}" /></form>\n'

    assert_changes_end_with_their_request(keel, "/rewrite-get", form("page", "2"),
                                          [(f"/rewrite-add?who={who}", form("who", who)) for who in ("alice", "bob")])


def test_assert_callback_a_request_sets_ends_with_it(keel):
    """assert_options(ASSERT_CALLBACK) in a request lasts that request, as
    under PHP-FPM: the next request's failed assertions do not run a
    closure over another client's data; the worker script's stays."""
    assert_changes_end_with_their_request(keel, "/assert-get", "boot\n",
                                          [(f"/assert-set?who={who}", f"{who}\n") for who in ("alice", "bob")])


def test_tick_functions_a_request_registers_end_with_it(keel):
    """register_tick_function() in a request lasts that request, as under
    PHP-FPM; the worker script's tick function goes on ticking."""
    assert_changes_end_with_their_request(keel, "/ticks-get", "boot []\n",
                                          [(f"/ticks-set?who={who}", f"{who}\n") for who in ("alice", "bob")])


def test_mb_regex_options_a_request_sets_end_with_it(keel):
    """mb_regex_set_options() in a request lasts that request; the worker
    script's options stay. (PHP-FPM itself keeps them for the child's next
    request; they are still the request's, not the worker's.)"""
    assert_changes_end_with_their_request(keel, "/mb-options-get", "mr\n", [("/mb-options-set", "ixr\n")] * 2)


def test_env_array_a_request_changes_is_put_back(keel):
    """$_ENV is rebuilt for every PHP-FPM request: what a request writes
    there (another client's data) is gone for the next, and what the worker
    script put there while booting is back."""
    assert_changes_end_with_their_request(keel, "/env-get", '[null,"boot"]\n',
                                          [(f"/env-set?who={who}", f"{who}\n") for who in ("alice", "bob")])


def test_alarm_a_request_leaves_pending_is_cancelled(keel):
    """A pcntl_alarm() still pending when its request ends is cancelled:
    its SIGALRM would end the worker during some later client's request."""
    assert_changes_end_with_their_request(keel, "/alarm-get", "none\n", [("/alarm-set", "alarm\n")] * 2)


def test_signal_mask_a_request_changes_is_put_back(keel):
    """Signals a request blocks with pcntl_sigprocmask() (SIGTERM: the
    worker would no longer stop when told) are unblocked after it, and a
    signal the worker script blocked while booting is blocked again."""
    assert_changes_end_with_their_request(keel, "/mask-get", "SIGTERM:open SIGUSR2:open SIGWINCH:blocked\n",
                                          [("/mask-set", "blocked\n")] * 2)


def test_request_startup_errors_bypass_the_worker_scripts_error_handler(keel):
    """A body PHP cannot take whole (over post_max_size) is reported while
    the request starts. Under PHP-FPM no script handler exists yet: PHP
    logs the warning and the script runs, finding it in error_get_last().
    In worker mode the worker script's handler must not get it either (a
    framework's throws, which failed the request)."""
    s = start_worker_mode(keel, app_dir("worker"), "-d", "post_max_size=1K", script="handlers.php")
    with requests.Session() as sess:
        pid = fetch(s, "/pid", session=sess).text
        r = sess.post(s.url + "/startup-error", data={"big": "x" * 3000}, timeout=REQ_TIMEOUT)
        assert r.status_code == 200, (r.status_code, r.text)
        assert r.text == "PHP Request Startup: POST Content-Length of 3004 bytes exceeds the limit of 1024 bytes\n", r.text
        s.wait_log(r"PHP Warning:  PHP Request Startup: POST Content-Length of 3004 bytes")
        assert fetch(s, "/pid", session=sess).text == pid


def test_status_headers_and_cookies_reset(wserver):
    pid = fetch_json(wserver, "/state")["pid"]
    a = fetch(wserver, "/status404")
    assert a.status_code == 404
    assert a.headers.get("X-A") == "set-by-previous"
    assert "leaky=yes" in a.headers.get("Set-Cookie", "")
    assert a.text == "not here"
    b = fetch(wserver, "/vars")
    assert b.status_code == 200
    assert "X-A" not in b.headers, dict(b.headers)
    assert "Set-Cookie" not in b.headers, dict(b.headers)
    assert b.headers["Content-Type"] == "application/json"
    assert b.json()["pid"] == pid


def test_output_buffers_reset(wserver):
    base = fetch_json(wserver, "/ob-level")
    r = fetch(wserver, "/ob-open")
    assert r.status_code == 200
    assert r.text == "level1 level2-still-buffered", "output left in open buffers must reach its own client"
    after = fetch_json(wserver, "/ob-level")
    assert after["pid"] == base["pid"]
    assert after["level"] == base["level"], f"ob level {after['level']} after a request left buffers open, was {base['level']}"
    again = fetch(wserver, "/vars")
    assert again.status_code == 200
    assert "level1" not in again.text and "level2" not in again.text


def test_uploaded_files_deleted_after_the_request(wserver, dirs):
    content = os.urandom(50000)
    r = multipart_upload(wserver, "/upload", content)
    assert r.status_code == 200, r.text
    d = r.json()
    f = d["files"]["doc"]
    assert f["exists"] is True and f["uploaded"] is True
    assert f["size"] == len(content)
    assert f["sha1"] == hashlib.sha1(content).hexdigest()
    tmp = Path(f["tmp_name"])
    assert tmp.parent == dirs["uploads"], tmp
    poll_until(lambda: not tmp.exists(), REQ_TIMEOUT, what=f"uploaded temp file {tmp} to be deleted")
    assert list(dirs["uploads"].iterdir()) == []
    # the worker is still the same one
    assert fetch_json(wserver, "/state")["pid"] == d["pid"]


def test_session_written_and_closed(wserver, dirs):
    with requests.Session() as sess:
        w = fetch_json(wserver, "/session-write?v=persisted-value", session=sess)
        sid = w["id"]
        assert sess.cookies.get("PHPSESSID") == sid
        # Written at the end of the request although the script never called
        # session_write_close().
        sess_file = dirs["sessions"] / f"sess_{sid}"
        poll_until(lambda: sess_file.exists() and b"persisted-value" in sess_file.read_bytes(), REQ_TIMEOUT,
                   what="the session file to be written")
        # Not active any more: no $_SESSION until session_start().
        p = fetch_json(wserver, "/session-peek", session=sess)
        assert p["pid"] == w["pid"]
        assert p["isset"] is False, "$_SESSION survived into the next request"
        assert p["status"] == 1  # PHP_SESSION_NONE
        rd = fetch_json(wserver, "/session-read", session=sess)
        assert rd["pid"] == w["pid"]
        assert rd["id"] == sid
        assert rd["session"] == {"v": "persisted-value"}
    p = fetch_json(wserver, "/session-peek")
    assert p["isset"] is False and p["status"] == 1


def test_session_id_not_carried_to_the_next_client(wserver):
    """The next client on the same worker, without the first one's cookie,
    must get its own session, never the previous client's id or data."""
    with requests.Session() as alice:
        a = fetch_json(wserver, "/session-write?v=alice-secret", session=alice)
    # No cookie at all: a new, empty session.
    r = fetch(wserver, "/session-read")
    assert r.status_code == 200
    anon = r.json()
    assert anon["pid"] == a["pid"]
    assert anon["id"] != a["id"], f"a client without a cookie was given the previous client's session id; Set-Cookie: {r.headers.get('Set-Cookie')}"
    assert anon["session"] == [], anon
    # Its own cookie: that session, not the previous one.
    r = fetch(wserver, "/session-read", headers={"Cookie": "PHPSESSID=bobsownsessionid0123456789"})
    bob = r.json()
    assert bob["id"] == "bobsownsessionid0123456789", bob
    assert bob["session"] == [], bob


def test_ignore_user_abort_and_time_limit_reset(wserver):
    base = fetch_json(wserver, "/limits-get")
    s = fetch_json(wserver, "/limits-set")
    assert s["ignore_user_abort"] == 1 and s["max_execution_time"] == "123"
    after = fetch_json(wserver, "/limits-get")
    assert after["pid"] == s["pid"]
    assert after["ignore_user_abort"] == base["ignore_user_abort"] == 0
    assert after["max_execution_time"] == base["max_execution_time"]


def test_keel_handle_request_inside_the_callable_throws(wserver):
    r = fetch(wserver, "/nested")
    assert r.status_code == 200
    assert r.text.startswith("caught RuntimeException: "), r.text
    assert "inner-callable-ran" not in r.text
    assert "no-exception" not in r.text


@pytest.mark.parametrize("fn", ["fastcgi_finish_request", "keel_finish_request", "frankenphp_finish_request"])
def test_finish_request_inside_the_callable(wserver, tmp_path, fn):
    rel = tmp_path / "release"
    marker = tmp_path / "marker"
    q = urllib.parse.urlencode({"fn": fn, "file": str(rel), "marker": str(marker), "max": f"{HOLD_MAX:.0f}"})
    st = wserver.stream("/finish?" + q)
    try:
        body = st.read_all()  # the complete response, by its framing
    finally:
        st.close()
    assert st.status == 200
    assert body.startswith(b"finished-early "), body
    # The callable is still waiting for the release file: the response came first.
    assert not rel.exists()
    assert not marker.exists(), "the callable finished before its response arrived"
    rel.write_text("go")
    poll_until(lambda: marker.exists() and marker.read_text() == "released", REQ_TIMEOUT,
               what="the callable to carry on after finish_request")
    d = fetch_json(wserver, "/state")
    assert d["pid"] == int(body.split()[1]), "the worker was replaced after finish_request"


# ---------------------------------------------------------------- failures inside the callable


def test_uncaught_exception_is_500_and_worker_replaced(keel):
    s = start_worker_mode(keel, app_dir("worker"), "-d", "display_errors=0")
    before = fetch_json(s, "/state")
    r = fetch(s, "/throw")
    assert r.status_code == 500
    assert "worker-boom" not in r.text  # display_errors=0: no details to the client
    s.wait_log("Uncaught RuntimeException: worker-boom")
    poll_until(lambda: not pid_alive(before["pid"]), EXIT_TIMEOUT, what="the failed worker to exit")
    after = fetch_json(s, "/state")
    assert after["pid"] != before["pid"]
    assert after["count"] == 1  # a fresh boot
    assert s.proc.poll() is None


def test_uncaught_exception_with_display_errors_on(keel):
    """With display_errors=1 PHP prints the error into the response and does
    not set 500 (php_error_cb only sets it with display_errors off); worker
    mode must answer exactly as a classic script with the same failure."""
    s = start_worker_mode(keel, app_dir("worker"), "-d", "display_errors=1")
    before = fetch_json(s, "/state")
    classic = fetch(s, "/classic_throw.php")
    assert "classic-boom" in classic.text
    r = fetch(s, "/throw")
    assert r.status_code == classic.status_code, (r.status_code, classic.status_code)
    assert "Uncaught RuntimeException: worker-boom" in r.text, r.text
    assert r.text.startswith("before-throw\n")
    assert fetch_json(s, "/state")["pid"] != before["pid"]


def test_uncaught_exception_goes_to_the_exception_handler_in_force(keel):
    """As at the end of a PHP-FPM script, an exception that leaves the
    callable goes to the exception handler in force, which answers; the
    worker is still replaced, since the callable did not finish."""
    s = start_worker_mode(keel, app_dir("worker"), "-d", "display_errors=0")
    classic = fetch(s, "/classic_throw_handled.php")
    assert (classic.status_code, classic.text) == (503, "before-throw\nhandled: classic-boom\n")
    r = fetch(s, "/throw-handled")
    assert r.status_code == 503, (r.status_code, r.text)
    m = re.fullmatch(r"before-throw\nhandled: worker-boom by (\d+)\n", r.text)
    assert m, r.text
    poll_until(lambda: not pid_alive(int(m.group(1))), EXIT_TIMEOUT, what="the worker to be replaced")
    assert fetch_json(s, "/state")["count"] == 1  # a fresh boot
    assert "Uncaught RuntimeException: worker-boom" not in s.log_text()


@pytest.mark.parametrize("target,status", [("/exit", 202), ("/throw", 500), ("/fatal", 500)])
def test_response_of_a_request_that_ends_the_worker_is_never_lost(keel, target, status):
    """The request that ends a worker (exit(), uncaught exception, fatal
    error) gets its own answer, every time, not a 502: the worker's response
    frames and its exit reach the front by different sockets."""
    s = start_worker_mode(keel, app_dir("worker"), "-d", "display_errors=0", workers=2)
    n = 100
    got = {}
    for _ in range(n):
        r = fetch(s, target)
        got[r.status_code] = got.get(r.status_code, 0) + 1
    lost = [l for l in s.log_text().splitlines() if "lost during a request" in l]
    assert got == {status: n}, f"{target} x{n}: statuses {got}; log: {lost[:5]}"


def test_fatal_error_is_500_and_worker_replaced(keel):
    s = start_worker_mode(keel, app_dir("worker"))
    before = fetch_json(s, "/state")
    r = fetch(s, "/fatal")
    assert r.status_code == 500
    assert "after-fatal" not in r.text
    s.wait_log("Call to undefined function this_function_does_not_exist_anywhere")
    after = fetch_json(s, "/state")
    assert after["pid"] != before["pid"]
    assert after["count"] == 1


def test_exit_delivers_response_then_restarts(keel):
    s = start_worker_mode(keel, app_dir("worker"))
    before = fetch_json(s, "/state")
    r = fetch(s, "/exit")
    assert r.status_code == 202
    assert r.headers.get("X-Exit") == "yes"
    assert r.text == f"bye from {before['pid']}\n"
    poll_until(lambda: not pid_alive(before["pid"]), EXIT_TIMEOUT, what="the exited worker to be gone")
    after = fetch_json(s, "/state")
    assert after["pid"] != before["pid"]
    assert after["count"] == 1
    # exit() is not an error
    assert not [l for l in s.log_text().splitlines() if f"pid {before['pid']}) exited with status" in l]


def test_requests_keep_flowing_across_repeated_failures(keel):
    s = start_worker_mode(keel, app_dir("worker"), workers=2)
    for target in ("/throw", "/fatal", "/exit", "/throw", "/exit"):
        r = fetch(s, target)
        assert r.status_code in (500, 202), (target, r.status_code)
        assert fetch(s, "/state").status_code == 200
    assert s.proc.poll() is None


def test_request_after_exit_is_served_by_the_replacement(keel):
    """The worker that exit()s has answered its request but is about to end:
    the next request must wait for the replacement, not be handed to the
    exiting process (which would lose it: 502)."""
    s = start_worker_mode(keel, app_dir("worker"), workers=1)
    statuses = {}
    for _ in range(30):
        fetch(s, "/exit")  # its own status is checked by the test above
        r = fetch(s, "/state")
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    lost = [l for l in s.log_text().splitlines() if "lost during a request" in l]
    assert statuses == {200: 30}, f"requests right after an exit(): {statuses}; log: {lost[:3]}"


# ---------------------------------------------------------------- boot failures


BOOT_FAILURES = {
    "syntax.php": r'syntax error, unexpected token ";"',
    "throws.php": r"Uncaught LogicException: boot-exception-marker",
    "noloop.php": r"the worker script ended before calling keel_handle_request\(\)",
}


# The front's line once a generation failed to start and none serves.
RETRY_RE = r"no generation serves \(1 failed to start in a row\): generation 2 starts in"


def until_line(lines, pattern):
    """lines up to (without) the first matching pattern."""
    for i, line in enumerate(lines):
        if re.search(pattern, line):
            return lines[:i]
    return lines


@pytest.mark.parametrize("script", sorted(BOOT_FAILURES))
def test_boot_failure_at_startup_gives_up_the_generation_and_stays_up(script):
    """The worker script fails at every boot: generation 1 gives up after
    --max-consecutive-failures attempts with a growing delay, and keel
    stays up, live and not ready, trying again later (test_health.py
    follows the retries)."""
    root = app_dir("worker_bootfail")
    max_failures = 4
    s = KeelServer(
        root,
        ["--worker", str(root / script), "--max-consecutive-failures", str(max_failures), "--admin", "127.0.0.1:0"],
        workers=1,
    )
    try:
        s.start(timeout=START_TIMEOUT, until_ready=False)
        s.wait_log(RETRY_RE, timeout=START_TIMEOUT)
        assert s.proc.poll() is None, "keel exited:\n" + s.log_text()
        r = requests.get(f"http://127.0.0.1:{s.admin_port()}/readyz", timeout=REQ_TIMEOUT)
        assert r.status_code == 503, r.text
        lines = until_line(list(s.log_lines), RETRY_RE)
        text = "\n".join(lines)
        assert "ready: http" not in text
        give_up = [l for l in lines if re.search(GIVE_UP_RE, l)]
        assert len(give_up) == 1, text
        assert str(root / script) in give_up[0]
        assert f"{max_failures} times in a row" in give_up[0]
        assert re.search(BOOT_FAILURES[script], text), text
        # One boot attempt per allowed failure, with a growing delay between
        # them: from the last word of one attempt (the front reporting its
        # exit, which starts the wait) to the first of the next, at least
        # 100, 200, 400 ms. (A lower bound only: how long a boot itself
        # takes depends on the machine's load, so the gaps between the
        # attempts' starts need not grow.)
        attempts = boot_attempts(lines)
        assert len(attempts) == max_failures, attempts
        last = {}
        for line in lines:
            t = log_time(line)
            for regex in (WORKER_LINE_RE, FRONT_WORKER_RE):
                m = regex.search(line) if t is not None else None
                if m:
                    last[int(m.group(1))] = t
        waits = [start - last[prev] for (prev, _), (_, start) in zip(attempts, attempts[1:])]
        # (log times are to the millisecond)
        assert all(w >= 0.1 * 2**i - 0.002 for i, w in enumerate(waits)), f"waits between boot attempts: {waits}"
        s.proc.send_signal(signal.SIGTERM)
        assert s.wait_exit() == 0
    finally:
        s.stop()
    assert s.sanitizer_errors() == []


def test_every_failed_boot_is_reported_with_its_reason():
    """Each worker that failed to boot is logged with the reason it sent,
    and the give-up line names the last real reason, not "process exited".
    The worker's report and its exit reach the front by different sockets,
    so this is checked over several runs with several workers."""
    root = app_dir("worker_bootfail")
    problems = []
    for run in range(8):
        s = KeelServer(
            root,
            ["--worker", str(root / "noloop.php"), "--max-consecutive-failures", "8", "--admin", "off"],
            workers=4,
        )
        try:
            s.start(timeout=START_TIMEOUT, until_ready=False)
            s.wait_log(RETRY_RE, timeout=START_TIMEOUT)
            lines = until_line(list(s.log_lines), RETRY_RE)
        finally:
            s.stop()
        failed = {int(m.group(1)) for l in lines for m in [FAILED_RE.search(l)] if m}
        exited = {int(m.group(1)) for l in lines for m in [EXITED_RE.search(l)] if m}
        missing = sorted(exited - failed)
        if missing:
            problems.append(f"run {run}: pids {missing} exited without a 'failed to boot' report")
        give_up = [l for l in lines if re.search(GIVE_UP_RE, l)]
        if not give_up or "last: the worker script ended before calling keel_handle_request()" not in give_up[0]:
            problems.append(f"run {run}: give-up line {give_up}")
    assert not problems, "\n".join(problems)


def restartfail_server(keel, tmp_path, *args, max_failures=3):
    root = copy_app("worker_restartfail", tmp_path / "root")
    s = start_worker_mode(keel, root, "--max-consecutive-failures", str(max_failures), *args)
    return s, root


def test_boot_failure_after_startup_gives_503_and_classic_keeps_working(keel, tmp_path):
    s, root = restartfail_server(keel, tmp_path)
    r = fetch(s, "/first")
    assert r.status_code == 200 and r.text.startswith("worker "), r.text
    first_pid = int(r.text.split()[1])

    (root / "fail-boot.flag").write_text("fail")
    r = fetch(s, "/exit")
    assert r.status_code == 200 and r.text == f"exiting {first_pid}"

    give_up = s.wait_log(GIVE_UP_RE, timeout=REQ_TIMEOUT + 1.0 * SCALE)
    assert str(root / "worker.php") in give_up
    assert "3 times in a row" in give_up
    assert "restart-boot-failure-marker" in s.log_text()
    attempts = boot_attempts(s.log_lines, exclude={first_pid})
    assert len(attempts) == 3, attempts

    assert s.proc.poll() is None, "keel stopped after giving up on a worker script it had served with"
    for target in ("/after", "/worker.php", "/a/route?x=1"):
        w = fetch(s, target)
        assert w.status_code == 503, (target, w.status_code, w.text)
    for _ in range(3):
        c = fetch(s, "/classic.php")
        assert c.status_code == 200 and c.text.startswith("classic "), c.text
    assert s.proc.poll() is None


def test_request_queued_while_restart_fails_gets_503_when_keel_gives_up(keel, tmp_path):
    """A worker-mode request that arrives while the worker script is being
    retried waits in the queue; once keel stops retrying it must be answered
    (503), not left waiting until --max-wait."""
    s, root = restartfail_server(keel, tmp_path, "--max-wait", "120s", max_failures=5)
    assert fetch(s, "/first").status_code == 200
    (root / "fail-boot.flag").write_text("fail")
    assert fetch(s, "/exit").status_code == 200
    already_given_up = any(re.search(GIVE_UP_RE, l) for l in list(s.log_lines))
    st = s.stream("/queued")
    try:
        if already_given_up:
            pytest.skip("keel gave up before the request was sent; nothing was queued")
        s.wait_log(GIVE_UP_RE, timeout=REQ_TIMEOUT + 2.0 * SCALE)
        try:
            st.read_headers(timeout=REQ_TIMEOUT)
        except AssertionError as e:
            raise AssertionError(
                f"the request queued during the failing restarts got no answer within {REQ_TIMEOUT:.0f}s "
                f"after keel gave up (--max-wait is 120s): {e}"
            )
        assert st.status == 503, f"queued worker-mode request got {st.status}; log: {[l for l in s.log_lines if 'lost during' in l]}"
    finally:
        st.close()
    assert fetch(s, "/classic.php").status_code == 200


# ---------------------------------------------------------------- FrankenPHP compatibility


def test_frankenphp_worker_script_runs_unchanged(keel):
    root = app_dir("worker_frankenphp") / "public"
    s = start_worker_mode(keel, root, script="index.php", workers=1)
    first = fetch_json(s, "/blog/post-1?x=1")
    assert first["mode"] == "frankenphp-worker"
    assert first["FRANKENPHP_WORKER"] == "1"
    assert first["pid"] == first["boot"]["pid"]
    assert first["GET"] == {"x": "1"}
    prev = first
    for target in ("/index.php", "/about", "/index.php?y=2"):
        d = fetch_json(s, target)
        assert d["mode"] == "frankenphp-worker", (target, d)
        assert d["pid"] == first["pid"] and d["boot"] == first["boot"]
        assert d["requests"] == prev["requests"] + 1
        prev = d
    about = fetch_json(s, "/about", headers={"X-Test": "hdr-value"})
    assert about["GET"] == [] and about["x_test"] == "hdr-value"  # frankenphp_request_headers()
    assert fetch_json(s, "/about")["x_test"] is None
    st = fetch(s, "/robots.txt")
    assert st.status_code == 200 and st.text == "hello static\n"


def test_root_url_reaches_a_worker_script_that_is_the_directory_index(keel):
    """The usual layout (FrankenPHP's, Laravel's, Symfony's): the worker
    script is public/index.php. "/" resolves to that file, so it must run in
    worker mode like /index.php does, not as a classic script."""
    root = app_dir("worker_frankenphp") / "public"
    s = start_worker_mode(keel, root, script="index.php", workers=1)
    w = fetch_json(s, "/index.php")
    for target in ("/", "/?a=1"):
        r = fetch(s, target)
        assert r.status_code == 200
        assert r.text != "not-worker-mode", f"{target} ran the worker script as a classic script"
        d = r.json()
        assert d["mode"] == "frankenphp-worker" and d["pid"] == w["pid"], (target, d)


def test_settings_made_while_booting_apply_to_every_request(keel):
    """FrankenPHP's worker skeleton calls ignore_user_abort(true) once, before
    its loop. Whatever keel restores between requests, every request must
    start from the same state: the second request must not see a different
    ignore_user_abort() than the first."""
    root = app_dir("worker_frankenphp") / "public"
    s = start_worker_mode(keel, root, script="index.php", workers=1)
    seen = [fetch_json(s, "/r") for _ in range(3)]
    assert len({d["pid"] for d in seen}) == 1
    values = [d["ignore_user_abort"] for d in seen]
    assert len(set(values)) == 1, f"ignore_user_abort() per request, set to 1 at boot: {values}"


def test_server_and_request_globals_built_when_code_naming_them_loads(keel, tmp_path):
    """With auto_globals_jit, PHP builds $_SERVER and $_REQUEST only once
    code naming them is compiled or loaded from OPcache. A worker whose
    script never names them starts without them; a file loaded by a later
    request gets the current request's values; and from then on every
    request rebuilds them, because that file's functions stay loaded."""
    root = old_copy("worker_jit", tmp_path / "root")  # old enough for OPcache
    s = start_worker_mode(keel, root, workers=1)
    first = fetch_json(s, "/plain?x=1")
    assert first["server_built"] is False, first

    late = fetch_json(s, "/late?x=2")
    assert late["pid"] == first["pid"]
    assert late["seen"] == {"query": "x=2", "x": "2"}, late
    for target, want in (("/call?x=3", {"query": "x=3", "x": "3"}), ("/call", {"query": "", "x": None})):
        d = fetch_json(s, target)
        assert d["pid"] == first["pid"]
        assert d["seen"] == want, (target, d)

    # A new worker script run loads late.php from OPcache, not the compiler.
    fetch_json(s, "/exit")
    again = fetch_json(s, "/plain")  # waits in the queue for the new run
    assert again["pid"] != first["pid"]
    assert again["server_built"] is False, again
    cached = fetch_json(s, "/late?x=6")
    assert cached["pid"] == again["pid"]
    assert cached["cached_before"] is True, cached
    assert cached["seen"] == {"query": "x=6", "x": "6"}, cached
    d = fetch_json(s, "/call?x=7")
    assert d["seen"] == {"query": "x=7", "x": "7"}, d


# ---------------------------------------------------------------- classic scripts, static files, OPcache


def test_classic_files_and_static_files_next_to_worker_mode(keel):
    s = start_worker_mode(keel, app_dir("worker"))
    w = fetch_json(s, "/state")
    for _ in range(3):
        c = fetch_json(s, "/classic.php")
        assert c["pid"] != w["pid"], "a classic script ran in the worker-mode process"
        assert c["count"] == 1, "a classic script kept static state between requests"
        assert c["worker"] is None  # no FRANKENPHP_WORKER for classic requests
        assert c["app_class_loaded"] is False  # the worker's boot is not visible there
    st = fetch(s, "/static.txt")
    assert st.status_code == 200 and st.text == "static file contents\n"
    assert st.headers["Content-Type"].startswith("text/plain")
    # worker-mode state went on undisturbed
    w2 = fetch_json(s, "/state")
    assert w2["pid"] == w["pid"] and w2["count"] == w["count"] + 1


def test_opcache_shared_between_worker_mode_and_classic(keel, tmp_path):
    root = old_copy("worker", tmp_path / "root")
    s = start_worker_mode(keel, root)
    w = fetch_json(s, "/opcache")
    assert w["never"] is False  # the probe can say no
    assert w["worker"] is True and w["lib"] is True
    assert w["classic"] is False  # classic_opcache.php has not run yet

    c = fetch_json(s, "/classic_opcache.php")
    assert c["pid"] != w["pid"]
    assert c["never"] is False
    assert c["worker"] is True, "the worker script, compiled in the worker-mode process, is not cached for classic"
    assert c["lib"] is True, "an app file loaded at boot is not cached for classic"

    w2 = fetch_json(s, "/opcache")
    assert w2["pid"] == w["pid"]
    assert w2["classic"] is True, "a classic script, compiled by the classic worker, is not cached for worker mode"


def test_keel_handle_request_from_classic_script_throws(keel):
    s = start_worker_mode(keel, app_dir("worker"))
    r = fetch(s, "/handle_caught.php")
    assert r.status_code == 200
    assert r.text.startswith("caught RuntimeException: "), r.text
    assert "outside worker mode" in r.text
    assert "callable-ran" not in r.text and "no-exception" not in r.text

    r = fetch(s, "/handle_uncaught.php")
    assert r.status_code == 500
    assert "callable-ran" not in r.text and "after-call" not in r.text
    s.wait_log(r"Uncaught RuntimeException: keel_handle_request\(\) called outside worker mode")
    # classic and worker-mode both still serve
    assert fetch(s, "/classic.php").status_code == 200
    assert fetch(s, "/state").status_code == 200


# ---------------------------------------------------------------- the example app


def test_example_app_shows_persistence(keel):
    """examples/worker, run as its README says (--workers 2): every worker
    keeps its own counter and cache between requests."""
    s = keel(EXAMPLE_ROOT, "--worker", str(EXAMPLE_ROOT / "worker.php"), workers=2)
    seen = {}  # pid -> last answer from that pid

    def check(d):
        last = seen.get(d["pid"])
        if last is not None:
            assert d["booted_at_unix"] == last["booted_at_unix"], "the app booted again in the same process"
            assert d["requests_served_by_this_worker"] == last["requests_served_by_this_worker"] + 1
        else:
            assert d["requests_served_by_this_worker"] == 1
        seen[d["pid"]] = d
        return d

    def call(target):
        return check(fetch_json(s, target))

    def call_pair(target):
        """The same request twice at once. An idle pool hands sequential
        requests to whichever worker the kernel wakes first, which may
        never be the one a test wants; two at once keep both busy."""
        streams = [s.stream(target, raw=b"") for _ in range(2)]
        raw = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\nConnection: close\r\n\r\n".encode()
        try:
            for st in streams:
                st.sock.sendall(raw)
            answers = []
            for st in streams:
                body = st.read_all()
                assert st.status == 200, (target, st.status, body[:500])
                answers.append(json.loads(body))
        finally:
            for st in streams:
                st.close()
        # One worker serves its requests in order: check them in that order.
        for d in sorted(answers, key=lambda d: (d["pid"], d["requests_served_by_this_worker"])):
            check(d)
        return answers

    st = call("/?key=greeting&value=hello")
    assert st["action"] == "set" and st["cache"]["size"] >= 1
    owner = st["pid"]

    # Reads until one lands on the worker that stored the value; reads on
    # the other worker are misses, since each process has its own cache.
    reached_owner = False
    for _ in range(50):
        for g in call_pair("/?key=greeting"):
            assert g["action"] == "get"
            if g["pid"] == owner:
                assert g["hit"] is True and g["value"] == "hello", g
                reached_owner = True
            else:
                assert g["hit"] is False
        if reached_owner:
            break
    assert reached_owner, "no read reached the worker that stored the value"

    m = call("/?key=never-stored")
    assert m["hit"] is False and m["value"] is None
    assert m["cache"]["misses"] >= 1

    # A short TTL: a hit while it lasts, then a miss on the same worker.
    ttl = 1.0 * SCALE
    t = call(f"/?key=short&value=v&ttl={ttl}")
    t_set = time.monotonic()
    owner = t["pid"]
    got_hit = got_miss = False

    def expired_on_owner():
        nonlocal got_hit, got_miss
        for d in call_pair("/?key=short"):
            if d["pid"] != owner:
                continue
            if d["hit"]:
                assert time.monotonic() - t_set < ttl + 1.0, "still a hit long after its TTL"
                got_hit = True
            else:
                got_miss = True
        return got_miss

    poll_until(expired_on_owner, ttl + REQ_TIMEOUT, interval=0.05, what="the short-TTL value to expire")
    assert got_hit, "the short-TTL value was never a hit"
    assert len(seen) <= 2


def test_example_readme_command_matches():
    """The README's command is the one the test above runs."""
    readme = (REPO / "examples" / "worker" / "README.md").read_text()
    assert "--root examples/worker/public" in readme
    assert "--worker examples/worker/public/worker.php --workers 2" in readme
