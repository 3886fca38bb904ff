"""Symfony in worker mode through keel's runtime (Keel\\Symfony\\Runtime,
integrations/symfony/), on a Symfony 5.4 application built from Debian's
packages (apps/symfony): its standard front controller, unchanged, as the
worker script.

One worker-mode worker, so every request reaches the same booted kernel.
Users must never see each other (the security component's token, the
session, a request-scoped service); the kernel's services are reset after
every request; a request PHP cannot take whole is a 400, not a dead
worker; APP_ENV and APP_DEBUG come from the environment; runtime options
are honoured; classic mode runs the same application unchanged.

Until keel passes its environment to $_SERVER, APP_RUNTIME reaches
Symfony's autoload_runtime.php through $_ENV: these servers run with
variables_order=EGPCS (custom.php, which names its runtime itself, runs
without it).
"""


import pytest
import requests

from conftest import REQ_TIMEOUT, app_dir, copy_app

pytestmark = pytest.mark.skipif(not app_dir("symfony").exists(), reason="needs the Symfony fixture")

RUNTIME_ENV = {"APP_RUNTIME": "Keel\\Symfony\\Runtime", "APP_ENV": "prod", "APP_DEBUG": "0"}


def start_symfony(factory, root, *args, worker="index.php", env=None, workers=1):
    mode = ["--worker", str(root / "public" / worker)] if worker else []
    return factory(root / "public", *mode, "--classic-workers", "1", "-d", "variables_order=EGPCS", *args,
                   workers=workers, env={**RUNTIME_ENV, **(env or {})})


@pytest.fixture(scope="module")
def symfony(module_keel, tmp_path_factory):
    root = copy_app("symfony", tmp_path_factory.mktemp("symfony") / "app")
    return start_symfony(module_keel, root, "-d", "post_max_size=4K", "-d", "max_input_vars=50")


def get(server, path, session=None, **kw):
    kw.setdefault("timeout", REQ_TIMEOUT)
    kw.setdefault("allow_redirects", False)
    return (session or requests).get(server.url + path, **kw)


def json_of(server, path, session=None):
    r = get(server, path, session)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.json()


def sign_in(server, name, csrf_from=None):
    """Signs in through the security component's form login; returns the
    session and the response. csrf_from: a session whose token to send."""
    s = requests.Session()
    token = json_of(server, "/token", csrf_from or s)["token"]
    r = s.post(server.url + "/login", data={"_username": name, "_password": f"{name}-password", "_csrf_token": token},
               allow_redirects=False, timeout=REQ_TIMEOUT)
    return s, r


def login(server, name):
    s, r = sign_in(server, name)
    assert r.status_code == 302 and r.headers["Location"].endswith("/whoami"), (r.status_code, r.headers)
    assert json_of(server, f"/note?text=note+of+{name}", s)["note"] == f"note of {name}"
    return s


def expected(name):
    if name is None:
        return {"user": None, "note": None, "current": None}
    return {"user": name, "note": f"note of {name}", "current": name}


def test_kernel_boots_once_and_its_services_reset_after_each_request(symfony):
    first = json_of(symfony, "/worker")
    prev = first
    for _ in range(3):
        d = json_of(symfony, "/worker")
        assert (d["pid"], d["kernel_built_at"]) == (first["pid"], first["kernel_built_at"]), "the kernel was rebuilt"
        assert d["resets"] > prev["resets"], "kernel.reset did not run between two requests"
        prev = d


def test_users_never_see_each_other(symfony):
    """Alice signs in; Bob, with his own cookie, and a client with none are
    never served as her, through the security token, the session or a
    request-scoped service."""
    pid = json_of(symfony, "/worker")["pid"]
    alice = login(symfony, "alice")
    assert json_of(symfony, "/whoami", alice) == expected("alice")
    assert json_of(symfony, "/whoami") == expected(None)
    bob = login(symfony, "bob")
    for _ in range(3):
        assert json_of(symfony, "/whoami", bob) == expected("bob")
        assert json_of(symfony, "/whoami") == expected(None)
        assert json_of(symfony, "/whoami", alice) == expected("alice")
    r = get(symfony, "/private")
    assert r.status_code == 302 and r.headers["Location"].endswith("/login"), r.status_code
    assert json_of(symfony, "/private", alice)["user"] == "alice"
    get(symfony, "/logout", alice)
    assert json_of(symfony, "/whoami", alice)["user"] is None
    assert json_of(symfony, "/whoami", bob) == expected("bob")
    assert json_of(symfony, "/worker")["pid"] == pid


def test_csrf_token_of_another_session_is_refused(symfony):
    bob = requests.Session()
    s, r = sign_in(symfony, "alice", csrf_from=bob)
    assert r.status_code == 302 and r.headers["Location"].endswith("/login"), (r.status_code, r.headers)
    assert json_of(symfony, "/whoami", s)["user"] is None


@pytest.mark.parametrize("data", [{"big": "x" * 8000}, {f"f{i}": "v" for i in range(100)}],
                         ids=["over-post_max_size", "over-max_input_vars"])
def test_request_php_cannot_parse_is_400_and_the_worker_goes_on(symfony, data):
    before = json_of(symfony, "/worker")
    r = requests.post(symfony.url + "/form", data=data, timeout=REQ_TIMEOUT)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    after = json_of(symfony, "/worker")
    assert (after["pid"], after["kernel_built_at"]) == (before["pid"], before["kernel_built_at"])
    ok = requests.post(symfony.url + "/form", data={"a": "1", "b": "2"}, timeout=REQ_TIMEOUT)
    assert ok.status_code == 200 and ok.json() == {"fields": 2}


def test_env_and_debug_come_from_the_environment(symfony, keel, tmp_path):
    """APP_ENV and APP_DEBUG from keel's environment win over .env's
    defaults; .env's other values reach the container and each request's
    $_SERVER, as in classic mode."""
    dotenv = {"from_dotenv": "loaded-from-dotenv", "server_from_dotenv": "loaded-from-dotenv"}
    assert json_of(symfony, "/env") == {"env": "prod", "debug": False, **dotenv}
    other = start_symfony(keel, copy_app("symfony", tmp_path / "app"), env={"APP_ENV": "staging", "APP_DEBUG": "1"})
    assert json_of(other, "/env") == {"env": "staging", "debug": True, **dotenv}


def test_runtime_options_are_honoured(keel, tmp_path):
    """Options of the front controller's own (renamed environment
    variables, the runtime named in $_SERVER), read without
    variables_order=EGPCS; and keel_loop_max, through KEEL_LOOP_MAX: the
    worker script ends after that many requests and keel starts another."""
    root = copy_app("symfony", tmp_path / "app")
    s = keel(root / "public", "--worker", str(root / "public" / "custom.php"), "--classic-workers", "1",
             workers=1, env={"CUSTOM_ENV": "custom", "CUSTOM_DEBUG": "0", "KEEL_LOOP_MAX": "3"})
    first = json_of(s, "/env")
    assert (first["env"], first["debug"]) == ("custom", False), first
    pids = [json_of(s, "/worker")["pid"] for _ in range(5)]
    # requests 2 and 3 of the first worker, then 1 to 3 of the next
    assert pids[0] == pids[1] and pids[2] == pids[3] == pids[4] and pids[1] != pids[2], pids


def test_classic_mode_runs_the_application_unchanged(symfony, keel, tmp_path):
    """The same environment (APP_RUNTIME included) without --worker:
    Symfony's own runtime behaviour, a kernel per request, the same
    answers."""
    classic = start_symfony(keel, copy_app("symfony", tmp_path / "app"), worker=None)
    for path in ("/env", "/hello/alice", "/whoami"):
        assert get(classic, path).text == get(symfony, path).text, path
    a, b = json_of(classic, "/worker"), json_of(classic, "/worker")
    assert a["resets"] == b["resets"] == 0 and a["kernel_built_at"] != b["kernel_built_at"]
    alice = login(classic, "alice")
    assert json_of(classic, "/whoami", alice) == expected("alice")
    assert json_of(classic, "/whoami") == expected(None)


def test_memory_stays_flat(symfony):
    alice = login(symfony, "alice")

    def burst(n):
        for i in range(n):
            assert get(symfony, "/whoami", alice if i % 2 else None).status_code == 200
        return json_of(symfony, "/worker")

    warm = burst(300)
    after = burst(1500)
    assert after["pid"] == warm["pid"]
    grown = after["memory"] - warm["memory"]
    assert grown < 64 * 1024, f"the worker's heap grew by {grown} bytes over 1500 requests"
