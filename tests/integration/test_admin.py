"""The admin listener answers keel's operators only: not a web page in
their browser (cross-site requests, DNS rebinding), not anyone who can
reach a listener bound beyond loopback (a bearer token is then required),
and only at its three paths as sent. Reloads while old generations still
drain are capped (--max-draining), and `keel reload` says why.
"""

import re
import socket
import subprocess

import pytest

from conftest import KEEL_BIN, REQ_TIMEOUT, START_TIMEOUT, app_dir

RELOAD_TIMEOUT = START_TIMEOUT
TOKEN = "k33p-0ut_of.the~logs"


def admin_request(s, method, target, headers=(), body=b""):
    """One raw HTTP/1.1 exchange with the admin listener: (status, headers, body)."""
    lines = [f"{method} {target} HTTP/1.1", *[f"{k}: {v}" for k, v in headers], "Connection: close"]
    if not any(k.lower() == "host" for k, _ in headers):
        lines.insert(1, f"Host: 127.0.0.1:{s.admin}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    with socket.create_connection(("127.0.0.1", s.admin), timeout=REQ_TIMEOUT) as c:
        c.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        data = b""
        while True:
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    first, *hdr = head.decode("latin-1").split("\r\n")
    h = {k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in hdr)}
    return int(first.split()[1]), h, rest


def start(keel, *args, root=None, workers=1):
    s = keel(root or app_dir("reload"), "--admin", "127.0.0.1:0", *args, workers=workers)
    s.admin = s.admin_port()
    return s


def keel_reload(s, *args):
    p = subprocess.run([KEEL_BIN, "reload", "--admin", f"127.0.0.1:{s.admin}", *args], capture_output=True,
                       text=True, timeout=RELOAD_TIMEOUT)
    return p.returncode, p.stdout, p.stderr


def generation(s, *headers):
    status, _, body = admin_request(s, "GET", "/status", headers)
    assert status == 200, body
    return int(re.search(rb'"generation": (\d+)', body).group(1))


@pytest.fixture
def token_file(tmp_path):
    p = tmp_path / "admin.token"
    p.write_text(TOKEN + "\n")
    p.chmod(0o600)
    return p


def test_cross_site_requests_are_refused(keel):
    s = start(keel)
    json = ("Content-Type", "application/json")
    # what a web page can send without a CORS preflight: a form's POST
    for ct in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        status, _, body = admin_request(s, "POST", "/reload", [("Content-Type", ct), ("Origin", "http://evil.example")])
        assert status == 403, (ct, status, body)
        status, _, body = admin_request(s, "POST", "/reload", [("Content-Type", ct)])
        assert status == 415, (ct, status, body)
    assert admin_request(s, "POST", "/reload")[0] == 415  # no Content-Type at all
    # another site's page, whatever it sends
    assert admin_request(s, "POST", "/reload", [json, ("Origin", "http://evil.example")])[0] == 403
    assert admin_request(s, "GET", "/status", [("Sec-Fetch-Site", "cross-site")])[0] == 403
    # DNS rebinding: a name of the attacker's that resolves to 127.0.0.1
    assert admin_request(s, "GET", "/status", [("Host", f"rebind.evil.example:{s.admin}")])[0] == 403
    assert admin_request(s, "POST", "/reload", [json, ("Host", "rebind.evil.example"),
                                                 ("Origin", "http://rebind.evil.example")])[0] == 403
    s.wait_log(r"admin: refused a request from another site")
    # none of them reloaded
    assert generation(s) == 1
    assert not re.search(r"reload \(admin request\)", s.log_text())
    # the same origin, and tools (no Origin) are served
    assert admin_request(s, "GET", "/status", [("Origin", f"http://127.0.0.1:{s.admin}")])[0] == 200
    assert admin_request(s, "GET", "/metrics", [("Host", f"localhost:{s.admin}")])[0] == 200


@pytest.mark.parametrize("target", ["/x/../reload", "/%72eload", "//reload", "/reload/", "/./reload", "/RELOAD"])
def test_only_canonical_paths(keel, target):
    s = start(keel)
    status, _, _ = admin_request(s, "POST", target, [("Content-Type", "application/json")], b"{}")
    assert status == 404, (target, status)
    assert generation(s) == 1


def test_keel_reload_passes_the_checks(keel):
    s = start(keel)
    rc, out, err = keel_reload(s)
    assert (rc, out.strip()) == (0, "2"), (rc, out, err)
    status, h, _ = admin_request(s, "GET", "/reload")
    assert (status, h.get("allow")) == (405, "POST")


def test_token_is_required_when_given(keel, token_file, tmp_path):
    s = start(keel, "--admin-token", str(token_file))
    s.wait_log(r"admin: http://127\.0\.0\.1:\d+ .*bearer token required")
    status, h, _ = admin_request(s, "GET", "/status")
    assert status == 401 and h.get("www-authenticate", "").startswith("Bearer")
    assert admin_request(s, "GET", "/status", [("Authorization", "Bearer wrong")])[0] == 401
    assert admin_request(s, "GET", "/metrics", [("Authorization", f"Basic {TOKEN}")])[0] == 401
    assert admin_request(s, "GET", "/nothing")[0] == 401  # nothing is said without it
    assert generation(s, ("Authorization", f"Bearer {TOKEN}")) == 1
    # keel reload without the token is refused, and says what is missing
    rc, out, err = keel_reload(s)
    assert rc == 1 and "--admin-token" in err, (rc, out, err)
    wrong = tmp_path / "wrong.token"
    wrong.write_text("not-it\n")
    rc, out, err = keel_reload(s, "--admin-token", str(wrong))
    assert rc == 1 and "wrong token" in err, (rc, out, err)
    assert generation(s, ("Authorization", f"Bearer {TOKEN}")) == 1
    rc, out, err = keel_reload(s, "--admin-token", str(token_file))
    assert (rc, out.strip()) == (0, "2"), (rc, out, err)
    # a token does not excuse another site's page
    form = [("Authorization", f"Bearer {TOKEN}"), ("Content-Type", "text/plain")]
    assert admin_request(s, "POST", "/reload", form)[0] == 415


def serve(*args):
    return subprocess.run([KEEL_BIN, "serve", "--root", str(app_dir("reload")), "--listen", "127.0.0.1:0", *args],
                          capture_output=True, text=True, timeout=START_TIMEOUT)


def test_beyond_loopback_needs_a_token(keel, token_file, tmp_path):
    p = serve("--admin", "0.0.0.0:0")
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert p.stderr.strip() == ("keel: --admin: 0.0.0.0:0 is reachable beyond this machine: give --admin-token FILE, "
                                "or bind it to 127.0.0.1")
    p = serve("--admin", "127.0.0.1:0", "--admin-token", str(tmp_path / "missing"))
    assert p.returncode == 2 and "--admin-token" in p.stderr and "No such file" in p.stderr, p.stderr
    empty = tmp_path / "empty.token"
    empty.write_text("\n")
    p = serve("--admin", "127.0.0.1:0", "--admin-token", str(empty))
    assert p.returncode == 2 and "expected a token" in p.stderr, p.stderr
    # with a token it serves, and says so loudly
    s = keel(app_dir("reload"), "--admin", "0.0.0.0:0", "--admin-token", str(token_file), workers=1)
    s.wait_log(r"admin listener 0\.0\.0\.0:0 is reachable beyond this machine")
    port = int(re.search(r"admin: http://0\.0\.0\.0:(\d+)", s.wait_log(r"admin: http://0\.0\.0\.0:\d+")).group(1))
    s.admin = port
    assert admin_request(s, "GET", "/status")[0] == 401
    assert generation(s, ("Authorization", f"Bearer {TOKEN}"), ("Host", f"keel.internal:{port}")) == 1


def hold(s, release):
    """A request held on the serving generation's only worker."""
    rel = release()
    h = s.stream("/hold.php?" + rel.query)
    h.read_until(b"first", timeout=REQ_TIMEOUT)
    return h, rel


def test_reloads_while_generations_drain_are_capped(keel, release):
    s = start(keel)  # --max-draining 2 by default
    held = []
    try:
        held.append(hold(s, release))  # generation 1 will drain with it
        assert keel_reload(s)[:2] == (0, "2\n")
        held.append(hold(s, release))  # and generation 2
        assert keel_reload(s)[:2] == (0, "3\n")
        # two old generations still drain: a third reload is refused, with why
        rc, out, err = keel_reload(s)
        assert rc == 1, (rc, out, err)
        assert "2 old generations still finish their requests (at most --max-draining 2)" in err, err
        s.wait_log(r"reload \(admin request\) refused: 2 old generations")
        assert generation(s) == 3
        # once one of them is gone, reloads go on
        h, rel = held.pop(0)
        rel.fire()
        assert h.read_all().endswith(b"second\n")
        s.wait_log(r"generation 1 is gone")
        assert keel_reload(s)[:2] == (0, "4\n")
    finally:
        for h, rel in held:
            rel.fire()
            h.close()


def test_max_draining_one(keel, release):
    s = start(keel, "--max-draining", "1")
    h, rel = hold(s, release)
    try:
        assert keel_reload(s)[:2] == (0, "2\n")
        rc, out, err = keel_reload(s)
        assert rc == 1 and "1 old generation still finishes its requests (at most --max-draining 1)" in err, err
    finally:
        rel.fire()
        h.close()
