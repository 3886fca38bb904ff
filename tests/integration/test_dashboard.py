"""The dashboard on the admin listener, over HTTP: the page and its files
come from keel itself with headers that keep them to themselves, the data
holds the last minutes the front sampled by itself and the events as they
happened, and the admin token guards the data but not the page. The page in
a real browser is test_dashboard_browser.py.
"""

import json
import signal
import re
import socket

import pytest

from conftest import EXIT_TIMEOUT, REPO, REQ_TIMEOUT, SANITIZED, START_TIMEOUT, app_dir, copy_app, poll_until

TOKEN = "dash-b0ard_token.never~logged"


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
    if "chunked" in h.get("transfer-encoding", ""):
        out, pos = b"", 0
        while True:
            nl = rest.index(b"\r\n", pos)
            size = int(rest[pos:nl], 16)
            if size == 0:
                break
            out += rest[nl + 2 : nl + 2 + size]
            pos = nl + 2 + size + 2
        rest = out
    return int(first.split()[1]), h, rest


def start(keel, root, *args, workers=1):
    s = keel(root, "--admin", "127.0.0.1:0", *args, workers=workers)
    s.admin = s.admin_port()
    return s


def data(s, query="", auth=None):
    headers = [("Authorization", f"Bearer {auth}")] if auth else []
    status, h, body = admin_request(s, "GET", "/dashboard.json" + query, headers)
    assert status == 200, (status, body)
    assert h["content-type"] == "application/json"
    return json.loads(body)


def status_pids(s, auth=None):
    headers = [("Authorization", f"Bearer {auth}")] if auth else []
    status, _, body = admin_request(s, "GET", "/status", headers)
    assert status == 200
    return {w["pid"] for w in json.loads(body)["workers"]}


def assert_kept_to_itself(h):
    """What every answer of the dashboard carries."""
    csp = h.get("content-security-policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
    assert h.get("x-content-type-options") == "nosniff"
    assert h.get("cache-control") == "no-store"
    assert h.get("referrer-policy") == "no-referrer"


def test_page_and_files_come_from_keel(keel):
    s = start(keel, app_dir("resilience"))
    status, h, page = admin_request(s, "GET", "/")
    assert status == 200 and h["content-type"].startswith("text/html"), (status, h)
    assert_kept_to_itself(h)
    html = page.decode()
    # nothing from elsewhere, no script or style written into the page
    assert not re.search(r"(src|href)=\"(https?:)?//", html), html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert "style=" not in html and "<style" not in html
    files = re.findall(r'(?:src|href)="(assets/[^"]+)"', html)
    assert {"assets/dashboard.js", "assets/dashboard.css"} <= set(files), files
    types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    for f in files:
        status, h, body = admin_request(s, "GET", "/" + f)
        assert status == 200 and len(body) > 0, (f, status)
        assert h["content-type"].startswith(types[f[f.rindex("."):]]), (f, h["content-type"])
        assert int(h["content-length"]) == len(body)
        assert_kept_to_itself(h)
    js = admin_request(s, "GET", "/assets/dashboard.js")[2].decode()
    # the page builds what it shows from text, never from markup
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", js)
    assert admin_request(s, "GET", "/assets/nothing.js")[0] == 404
    assert admin_request(s, "GET", "/assets/../status")[0] == 404
    # still the admin listener's rules: not for another site's page
    assert admin_request(s, "GET", "/", [("Sec-Fetch-Site", "cross-site")])[0] == 403
    assert admin_request(s, "GET", "/", [("Host", f"rebind.example:{s.admin}")])[0] == 403
    assert admin_request(s, "POST", "/", [("Content-Type", "application/json")])[0] == 405


def test_the_last_minutes_are_there_when_the_page_opens(keel):
    s = start(keel, app_dir("resilience"), workers=2)
    for _ in range(20):
        assert s.get("/pid.php").status == 200
    # nobody asked for the dashboard yet: the front samples by itself
    d = poll_until(lambda: (lambda d: d if len(d["samples"]["items"]) >= 3 else None)(data(s)), timeout=START_TIMEOUT,
                   interval=0.2, what="three samples")
    samples = d["samples"]
    assert samples["interval_ms"] == 1000 and samples["capacity"] >= 60
    items = samples["items"]
    seqs = [x["seq"] for x in items]
    assert seqs == list(range(samples["first"], samples["last"] + 1)), seqs
    assert all(b["t"] > a["t"] for a, b in zip(items, items[1:]))
    # the newest sample shows every worker /status shows, with its memory
    pids = status_pids(s)
    newest = items[-1]
    assert {w[0] for w in newest["workers"]} == pids
    assert any(w[3] > 0 for w in newest["workers"]), newest  # the worker that served reported its memory
    assert newest["requests_total"] >= 20
    assert items[0]["rps"] is None and all(x["rps"] is not None for x in items[1:])
    assert {w["pid"] for w in d["workers"]} == pids
    assert d["generation"] == 1 and d["state"] == "serving"
    # after a mark: only what is new
    last = samples["last"]
    later = poll_until(lambda: (lambda d: d if d["samples"]["items"] else None)(data(s, f"?samples_after={last}")),
                       timeout=REQ_TIMEOUT, interval=0.2, what="a newer sample")
    assert all(x["seq"] > last for x in later["samples"]["items"])
    assert admin_request(s, "GET", "/dashboard.json?samples_after=x")[0] == 400
    assert admin_request(s, "GET", "/dashboard.json?events_after=-1")[0] == 400


def test_events_as_they_happen(keel):
    s = start(keel, app_dir("resilience"), "--max-requests", "3")
    for _ in range(7):
        assert s.get("/pid.php").status == 200
    hostile = "/crash.php/<img/src=x/onerror=alert(1)>?sig=9"
    assert s.get(hostile).status == 502
    assert admin_request(s, "POST", "/reload", [("Content-Type", "application/json")])[0] == 200

    def events():
        return data(s)["events"]["items"]

    def settled():
        ev = events()
        gen = {(e["generation"], e["what"]) for e in ev if e["kind"] == "generation"}
        want = {(1, "starting"), (1, "serving"), (2, "starting"), (2, "serving"), (1, "draining"), (1, "gone")}
        return ev if want <= gen else None

    ev = poll_until(settled, timeout=START_TIMEOUT, interval=0.2, what="generation 1 gone, 2 serving")
    recycles = [e for e in ev if e["kind"] == "recycle"]
    assert len(recycles) >= 2 and all(e["what"] == "requests" for e in recycles), recycles
    assert all(e["pid"] and "after 3 requests" in e["text"] for e in recycles), recycles
    assert not [e for e in ev if e["kind"] == "exit"], ev  # recycled workers did not leave on their own
    crash = [e for e in ev if e["kind"] == "crash"]
    assert len(crash) == 1 and crash[0]["what"] == "SIGKILL", crash
    # the client's path, as text (the page shows it with textContent)
    assert "GET /crash.php/<img/src=x/onerror=alert(1)>?sig=9" in crash[0]["text"], crash
    seqs = [e["seq"] for e in ev]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    order = [(e["generation"], e["what"]) for e in ev if e["kind"] == "generation"]
    assert order.index((2, "serving")) < order.index((1, "gone"))
    # after a mark: only the later ones
    mark = seqs[-3]
    assert [e["seq"] for e in data(s, f"?events_after={mark}")["events"]["items"]] == seqs[-2:]
    d = data(s)
    assert d["recycles"]["requests"] == len(recycles) and d["worker_crashes"] == 1


def test_a_worker_that_reaches_memory_limit_is_an_event(keel):
    """A leaking worker-mode worker that reaches memory_limit leaves on its
    own after its request: its line ends on the chart, and the events say
    why it is gone."""
    leaky = REPO / "examples" / "leaky" / "public"
    s = start(keel, leaky, "--worker", str(leaky / "worker.php"), "-d", "memory_limit=16M")
    pid = json.loads(s.get("/").body)["pid"]
    codes = {s.get("/?bytes=65536").status for _ in range(400)}  # 16 MiB in 256 requests
    assert 500 in codes, codes

    def left():
        return [e for e in data(s)["events"]["items"] if e["kind"] == "exit" and e["pid"] == pid]

    ev = poll_until(left, timeout=REQ_TIMEOUT, interval=0.2, what=f"an exit event for worker {pid}")
    assert len(ev) == 1 and ev[0]["what"] == "closing", ev
    s.wait_log(r"Allowed memory size of 16777216 bytes exhausted")
    assert pid not in status_pids(s)


def test_failures_are_events(keel, tmp_path):
    """A worker script that no longer boots: the worker that left, the
    replacement that failed (with PHP's reason), and a reload whose
    generation cannot start while the old one serves on."""
    root = copy_app("worker_restartfail", tmp_path / "root")
    s = start(keel, root, "--worker", str(root / "worker.php"), "--max-consecutive-failures", "2")
    (root / "fail-boot.flag").write_text("1")
    assert s.get("/exit").status == 200
    status, _, body = admin_request(s, "POST", "/reload", [("Content-Type", "application/json")])
    assert status == 500, body

    def seen():
        ev = data(s)["events"]["items"]
        kinds = {(e["kind"], e["what"]) for e in ev}
        want = {("exit", "closing"), ("exit", "boot failed"), ("generation", "failed")}
        return ev if want <= kinds else None

    ev = poll_until(seen, timeout=START_TIMEOUT, interval=0.2, what="the exit, the boot failure and the failed reload")
    boot = [e for e in ev if e["what"] == "boot failed"]
    assert all("restart-boot-failure-marker" in e["text"] for e in boot), boot
    failed = [e for e in ev if e["kind"] == "generation" and e["what"] == "failed"]
    assert failed[0]["generation"] == 2, failed
    d = data(s)
    assert d["generation"] == 1 and d["reloads"]["failed"] == 1


def test_the_token_guards_the_data_not_the_page(keel, tmp_path):
    token = tmp_path / "admin.token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o600)
    s = start(keel, app_dir("resilience"), "--admin-token", str(token))
    # a browser navigating to the page cannot send a token: the page and
    # its files hold no data, and come without one
    for path in ("/", "/assets/dashboard.js", "/assets/dashboard.css"):
        assert admin_request(s, "GET", path)[0] == 200, path
    status, h, _ = admin_request(s, "GET", "/dashboard.json")
    assert status == 401 and h.get("www-authenticate", "").startswith("Bearer")
    assert admin_request(s, "GET", "/dashboard.json", [("Authorization", "Bearer wrong")])[0] == 401
    assert admin_request(s, "GET", "/status")[0] == 401
    d = data(s, auth=TOKEN)
    assert {w["pid"] for w in d["workers"]} == status_pids(s, auth=TOKEN)
    assert TOKEN not in s.log_text()


@pytest.mark.skipif(not SANITIZED, reason="needs the AddressSanitizer build, whose LeakSanitizer checks at exit")
def test_the_dashboard_frees_what_it_allocates(keel, monkeypatch):
    """Sampling and answering run for the front's whole life: with
    LeakSanitizer on, the page, its files, the data (whole and after a
    mark) and a refused query leave nothing behind once keel stops."""
    monkeypatch.setenv("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    s = start(keel, app_dir("resilience"), "--max-requests", "2")
    for _ in range(5):
        assert s.get("/pid.php").status == 200
    d = poll_until(lambda: (lambda d: d if len(d["samples"]["items"]) >= 2 else None)(data(s)),
                   timeout=START_TIMEOUT, interval=0.2, what="two samples")
    assert any(e["kind"] == "recycle" for e in d["events"]["items"])
    data(s, f"?samples_after={d['samples']['last']}&events_after=1")
    for path in ("/", "/assets/dashboard.js", "/assets/nothing", "/dashboard.json?samples_after=z"):
        admin_request(s, "GET", path)
    s.proc.send_signal(signal.SIGTERM)
    assert s.wait_exit(EXIT_TIMEOUT) == 0, s.log_text()
    assert "LeakSanitizer" not in s.log_text(), s.log_text()
