"""Laravel in worker mode through keel's integration
(integrations/laravel/worker.php), on a Laravel 8 application built from
Debian's packages (apps/laravel).

One worker-mode worker, so every request reaches the same booted
application: whatever one user's request leaves behind, the next user's
request would find. Users must never see each other (the guard, the
session, a request-scoped singleton); CSRF, flash messages, validation
errors and uploads must behave as in classic mode; a request that fails
must not poison the next; memory must stay flat.
"""

import hashlib
import re
import shutil
import subprocess

import pytest
import requests

from conftest import REPO, REQ_TIMEOUT, SCALE, app_dir, copy_app

LARAVEL_WORKER = REPO / "integrations" / "laravel" / "worker.php"

pytestmark = pytest.mark.skipif(
    not (app_dir("laravel").exists() and shutil.which("php")), reason="needs the Laravel fixture and PHP's CLI")


def prepare(dest, *setup_args):
    """A copy of apps/laravel with its database created (bin/setup.php)."""
    root = copy_app("laravel", dest)
    subprocess.run(["php", str(root / "bin" / "setup.php"), *setup_args], check=True, timeout=60 * SCALE)
    return root


def start_laravel(factory, root, worker=True, workers=1):
    args = ["--worker", str(LARAVEL_WORKER)] if worker else []
    return factory(root / "public", *args, "--classic-workers", "1", workers=workers)


@pytest.fixture(scope="module")
def laravel(module_keel, tmp_path_factory):
    """keel in worker mode with the integration, one worker."""
    return start_laravel(module_keel, prepare(tmp_path_factory.mktemp("laravel") / "app"))


@pytest.fixture(scope="module")
def laravel_classic(module_keel, tmp_path_factory):
    """The same application in classic mode (public/index.php per request)."""
    return start_laravel(module_keel, prepare(tmp_path_factory.mktemp("laravel-classic") / "app"), worker=False)


def get(server, path, session=None, **kw):
    kw.setdefault("timeout", REQ_TIMEOUT)
    kw.setdefault("allow_redirects", False)
    return (session or requests).get(server.url + path, **kw)


def token(server, session):
    r = get(server, "/token", session)
    assert r.status_code == 200, r.text
    return r.json()["token"]


def post(server, path, session, data=None, with_token=True, **kw):
    data = dict(data or {})
    if with_token:
        data["_token"] = token(server, session)
    kw.setdefault("timeout", REQ_TIMEOUT)
    return session.post(server.url + path, data=data, allow_redirects=False, **kw)


def login(server, name):
    s = requests.Session()
    r = post(server, "/login", s, {"email": f"{name}@example.com", "password": f"{name}-password"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/whoami"), (r.status_code, r.text[:300])
    return s


def whoami(server, session=None):
    r = get(server, "/whoami", session)
    assert r.status_code == 200, r.text[:300]
    return r.json()


def worker_pid(server):
    return get(server, "/memory").json()["pid"]


def expected(name):
    if name is None:
        return {"auth": None, "request_user": None, "facade_check": False, "session_note": None, "tenant": None}
    return {"auth": name, "request_user": f"{name}@example.com", "facade_check": True,
            "session_note": f"note of {name}", "tenant": f"{name}'s company"}


def test_users_never_see_each_other(laravel):
    """Alice signs in; Bob, with his own cookie, and a client with none are
    never served as her, through the guard, the request, the facade, the
    session or a request-scoped singleton; and she stays herself."""
    pid = worker_pid(laravel)
    alice = login(laravel, "alice")
    assert whoami(laravel, alice) == expected("alice")
    assert whoami(laravel) == expected(None)
    bob = login(laravel, "bob")
    for _ in range(3):
        assert whoami(laravel, bob) == expected("bob")
        assert whoami(laravel) == expected(None)
        assert whoami(laravel, alice) == expected("alice")
    # a page behind the auth middleware: a guest is sent to sign in
    r = get(laravel, "/private")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login"), r.status_code
    assert get(laravel, "/private", alice).json()["auth"] == "alice"
    # signed out, her cookie is nobody's
    assert post(laravel, "/logout", alice).status_code == 302
    assert whoami(laravel, alice) == expected(None)
    assert whoami(laravel, bob) == expected("bob")
    assert worker_pid(laravel) == pid, "the worker was replaced: the checks above did not share one application"


def test_csrf_as_in_classic_mode(laravel, laravel_classic):
    """A form without a token, or with another session's, is refused (419);
    with its own session's token it goes through."""
    for server in (laravel, laravel_classic):
        alice, bob = requests.Session(), requests.Session()
        bobs_token = token(server, bob)
        data = {"title": "hello", "body": "text"}
        assert post(server, "/notes", alice, data, with_token=False).status_code == 419
        assert post(server, "/notes", alice, {**data, "_token": bobs_token}, with_token=False).status_code == 419
        assert token(server, alice) != bobs_token
        r = post(server, "/notes", alice, data)
        assert r.status_code == 302 and r.headers["Location"].endswith("/notes"), (server.url, r.status_code)


def test_a_route_without_sessions_finds_the_store_as_in_classic_mode(laravel, laravel_classic):
    """The api group starts no session: after a signed-in user's requests,
    the next request's store has nothing of theirs, and no CSRF token
    either, as a fresh PHP-FPM request's store."""
    seen = []
    for server in (laravel, laravel_classic):
        alice = login(server, "alice")
        assert whoami(server, alice)["auth"] == "alice"
        r = get(server, "/api/session")
        assert r.status_code == 200, r.text
        seen.append(r.json())
    assert seen[0] == seen[1] == {"started": False, "token": None, "data": []}, seen


def page_parts(html):
    """What a notes page shows: the flash message, errors, old input, notes."""
    def all_of(pattern):
        return re.findall(pattern, html, re.S)
    return {
        "status": all_of(r'<p class="status">(.*?)</p>'),
        "errors": all_of(r"<li>([^<]*must[^<]*|[^<]*required[^<]*)</li>"),
        "old_title": all_of(r'<input name="title" value="([^"]*)">'),
        "notes": re.findall(r"<li>([^<]*)</li>", html.split('<ul class="notes">')[1].split("</ul>")[0]),
    }


def notes_scenario(server):
    """Validation errors, old input and a flash message, each shown once, to
    their own session only. Returns what each step showed."""
    alice, bob = requests.Session(), requests.Session()
    seen = []

    def page(s):
        r = get(server, "/notes", s)
        assert r.status_code == 200, r.text[:300]
        seen.append(page_parts(r.text))
        return seen[-1]

    r = post(server, "/notes", alice, {"title": "no", "body": ""})
    assert r.status_code == 302
    page(alice)            # errors and old input, once
    page(bob)              # none of alice's
    page(alice)            # gone
    r = post(server, "/notes", alice, {"title": "first note", "body": "x"})
    assert r.status_code == 302
    page(bob)              # bob still sees nothing of alice's
    page(alice)            # the flash message, once
    page(alice)            # gone; the note stays in her session
    return seen


def test_flash_messages_and_validation_errors_as_in_classic_mode(laravel, laravel_classic):
    worker = notes_scenario(laravel)
    assert worker == notes_scenario(laravel_classic)
    errors, bob, later, bob2, flashed, after = worker
    assert errors["errors"] == ["The title must be at least 3 characters.", "The body field is required."], errors
    assert errors["old_title"] == ["no"]
    assert bob == later == bob2 == {"status": [], "errors": [], "old_title": [""], "notes": []}
    assert flashed == {"status": ["Saved first note"], "errors": [], "old_title": [""], "notes": ["first note"]}
    assert after == {"status": [], "errors": [], "old_title": [""], "notes": ["first note"]}


def upload_scenario(server):
    s = requests.Session()
    content = bytes(range(256)) * 40
    files = {"doc": ("report.bin", content, "application/octet-stream")}
    r = s.post(server.url + "/upload", data={"_token": token(server, s), "field": "value"}, files=files,
               allow_redirects=False, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text[:500]
    first = r.json()
    assert first == {"name": "report.bin", "size": len(content), "sha1": hashlib.sha1(content).hexdigest(),
                     "valid": True, "field": "value"}
    # the next request has no file: the previous one's must not show up
    r = post(server, "/upload", s, {"field": "value"}, headers={"Accept": "application/json"})
    return first, r.status_code, r.json()


def test_file_uploads_as_in_classic_mode(laravel, laravel_classic):
    worker = upload_scenario(laravel)
    assert worker == upload_scenario(laravel_classic)
    assert worker[1] == 422 and worker[2]["errors"] == {"doc": ["The doc field is required."]}, worker


def test_an_exception_does_not_poison_the_next_request(laravel):
    """A request that changes configuration, locale, the tenant and the URL
    generator, then throws, gets its 500; the next requests, its user's and
    others', start from the booted application."""
    pid = worker_pid(laravel)
    alice = login(laravel, "alice")
    anon = requests.Session()
    before = get(laravel, "/state", anon).json()
    assert before["app_name"] == "Keel" and before["locale"] == "en" and not before["url"].startswith("http://poisoned")
    r = get(laravel, "/boom", alice)
    assert r.status_code == 500, r.status_code
    assert "boom from a request" not in r.text  # APP_DEBUG is off
    assert get(laravel, "/state", anon).json() == before
    mine = get(laravel, "/state", alice).json()
    # the session of the request that failed was saved, as in classic mode
    assert mine == {**before, "tenant": "alice's company", "has_poison": True}, mine
    assert whoami(laravel) == expected(None)
    assert worker_pid(laravel) == pid


def test_locale_and_query_log_last_one_request(laravel):
    assert get(laravel, "/locale/de").json() == {"locale": "de"}
    assert get(laravel, "/state").json()["locale"] == "en"
    for _ in range(3):
        assert get(laravel, "/queries").json() == {"before": 0, "after": 1}


def test_static_state_reset_by_the_applications_own_listener(laravel):
    """The documented hook: a listener of Keel\\Laravel\\Events\\RequestReceived
    resets state of the application's own (here a static array)."""
    assert get(laravel, "/audit?who=alice").json() == {"entries": ["alice"]}
    assert get(laravel, "/audit?who=bob").json() == {"entries": ["bob"]}


def test_thousands_of_requests_keep_memory_flat(laravel):
    """Each request's sandbox goes with it: after a warm-up, thousands more
    requests (signed in, anonymous, forms, JSON) leave the worker's heap
    where it was."""
    alice = login(laravel, "alice")
    anon = requests.Session()

    def burst(n):
        for i in range(n):
            if i % 4 == 0:
                assert whoami(laravel, alice)["auth"] == "alice"
            elif i % 4 == 1:
                assert get(laravel, "/rows", anon).status_code == 200
            elif i % 4 == 2:
                assert get(laravel, "/api/rows").status_code == 200
            else:
                assert post(laravel, "/notes", anon, {"title": f"note {i}", "body": "x"}).status_code == 302
        return get(laravel, "/memory").json()

    warm = burst(400)
    after = burst(2000)
    assert after["pid"] == warm["pid"]
    grown = after["memory"] - warm["memory"]
    assert grown < 64 * 1024, f"the worker's heap grew by {grown} bytes over 2000 requests"


def test_home_page_reaches_the_worker(laravel):
    """GET / of a standard Laravel app resolves to public/index.php; with
    the integration's worker script outside the root, it must still be
    served by the booted application."""
    r = get(laravel, "/")
    assert r.status_code == 200
    assert r.text == f"home of Keel from {worker_pid(laravel)}\n", r.text
