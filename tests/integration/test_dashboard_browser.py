"""The dashboard in a real browser: Debian's chromium, headless, driven by
chromedriver through python3-selenium, against a keel under load. The page
must chart every worker /status lists (by pid), its data must move while
the load runs, it must work under its own Content-Security-Policy, take the
admin token from the URL fragment, and show what a client put in a URL as
text, never as markup.

A screenshot of each page is kept: in $KEEL_TEST_ARTIFACTS when set, else
in the test's temporary directory (pytest's --basetemp decides where).
"""

import json
import os
import socket
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import requests

from conftest import REQ_TIMEOUT, SCALE, START_TIMEOUT, app_dir, poll_until

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PAGE_TIMEOUT = 30.0 * SCALE  # from opening the page to what is asserted
LOAD_SECONDS = 120.0 * SCALE  # the load stops by itself after this, whatever the test does
LOAD_REQUESTS = 200000  # ... or after this many requests
TOKEN = "br0wser-token_kept.out~of.logs"
REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def browser():
    for f in (CHROMIUM, CHROMEDRIVER):
        if not os.access(f, os.X_OK):
            pytest.fail(f"{f} is missing: scripts/install-deps.sh installs chromium and chromium-driver")
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    # root in a container: no setuid sandbox; no GPU; a page tall enough
    # for the screenshot to hold every card
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,2400", "--no-first-run", "--disable-background-networking"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
    d.set_page_load_timeout(PAGE_TIMEOUT)
    try:
        yield d
    finally:
        d.quit()


@pytest.fixture
def artefacts(tmp_path):
    where = Path(os.environ["KEEL_TEST_ARTIFACTS"]) if os.environ.get("KEEL_TEST_ARTIFACTS") else tmp_path
    where.mkdir(parents=True, exist_ok=True)
    return where


def screenshot(driver, artefacts, name):
    path = artefacts / name
    driver.save_screenshot(str(path))
    print(f"dashboard screenshot: {path}")
    return path


class Load:
    """Requests to keel from a few threads until stopped, LOAD_SECONDS pass
    or LOAD_REQUESTS are sent, whichever comes first."""

    def __init__(self, url, threads=3):
        self.url = url
        self.stop_event = threading.Event()
        self.sent = 0
        self.failed = 0
        self.lock = threading.Lock()
        self.deadline = time.monotonic() + LOAD_SECONDS
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        with requests.Session() as http:
            while not self.stop_event.is_set() and time.monotonic() < self.deadline:
                with self.lock:
                    if self.sent >= LOAD_REQUESTS:
                        return
                    self.sent += 1
                try:
                    ok = http.get(self.url, timeout=REQ_TIMEOUT).status_code == 200
                except requests.RequestException:
                    ok = False
                if not ok:
                    with self.lock:
                        self.failed += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for t in self.threads:
            t.join(REQ_TIMEOUT * 2)


def admin_json(s, path, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = requests.get(f"http://127.0.0.1:{s.admin}{path}", headers=headers, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, (path, r.status_code, r.text)
    return r.json()


MEMORY_SERIES = """
return Array.from(document.querySelectorAll('#memory-chart path.series')).map(p => ({
  pid: Number(p.dataset.pid), points: Number(p.dataset.points),
  last: p.dataset.last === '' ? null : Number(p.dataset.last), d: p.getAttribute('d')}));
"""

LEGEND = """
return Array.from(document.querySelectorAll('#memory-legend li')).map(li => [Number(li.dataset.pid), li.textContent]);
"""


def series_by_pid(driver):
    return {x["pid"]: x for x in driver.execute_script(MEMORY_SERIES)}


def texts(driver, selector):
    """The text of each element selector matches, read in one go: the page
    redraws every second, so an element found in one call may be gone by
    the next."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent)", selector)


def attrs(driver, selector, name):
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.getAttribute(arguments[1]))",
        selector, name)


def severe_browser_messages(driver):
    """Errors the page caused: a script error, a CSP violation, a failed load."""
    return [m for m in driver.get_log("browser") if m["level"] == "SEVERE"]


def start(keel, root, *args, workers=2):
    s = keel(root, "--admin", "127.0.0.1:0", *args, workers=workers)
    s.admin = s.admin_port()
    return s


def test_the_page_charts_every_worker_live(keel, browser, artefacts):
    leaky = REPO / "examples" / "leaky" / "public"
    s = start(keel, leaky, "--worker", str(leaky / "worker.php"), workers=2)
    with Load(f"http://127.0.0.1:{s.port}/") as load:
        poll_until(lambda: load.sent > 50, timeout=PAGE_TIMEOUT, interval=0.1, what="load under way")
        browser.get(f"http://127.0.0.1:{s.admin}/")
        pids = {w["pid"] for w in admin_json(s, "/status")["workers"]}
        assert len(pids) == 3, pids  # two worker-mode workers and the classic one

        def every_worker_charted():
            series = series_by_pid(browser)
            if not pids <= set(series) or any(series[p]["points"] < 2 for p in pids):
                return None
            legend = dict(browser.execute_script(LEGEND))
            return series if all(f"pid {p}" in legend.get(p, "") for p in pids) else None

        first = poll_until(every_worker_charted, timeout=PAGE_TIMEOUT, interval=0.25,
                           what=f"a memory series and a legend entry for each of {sorted(pids)}")
        # the same pids as /status, none it does not list
        assert set(first) == pids, (set(first), pids)
        assert {int(p) for p in attrs(browser, "#workers tbody tr", "data-pid")} == pids

        # the data moves: new samples arrive, and the leaking workers grow
        served = {w["pid"] for w in admin_json(s, "/status")["workers"] if w["mode"] == "worker" and w["requests"] > 0}
        assert served, "the load reached no worker-mode worker"

        def moved():
            now = series_by_pid(browser)
            grew = all(now[p]["points"] > first[p]["points"] for p in pids)
            leaked = all(now[p]["last"] is not None and first[p]["last"] is not None and now[p]["last"] > first[p]["last"]
                         for p in served)
            return now if grew and leaked else None

        poll_until(moved, timeout=PAGE_TIMEOUT, interval=0.25, what="more points, and more memory for the leaking workers")
        poll_until(lambda: float(attrs(browser, "#rps-chart path.series", "data-last")[0] or 0) > 0,
                   timeout=PAGE_TIMEOUT, interval=0.25, what="requests per second above 0 under load")
        summary = texts(browser, "#summary")[0]
        assert "generation 1" in summary, summary
        screenshot(browser, artefacts, "dashboard.png")
    assert load.failed == 0, load.failed
    assert severe_browser_messages(browser) == []


def test_the_token_and_what_clients_write(keel, browser, artefacts, tmp_path):
    token = tmp_path / "admin.token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o600)
    s = start(keel, app_dir("resilience"), "--admin-token", str(token), "--max-requests", "3", workers=1)
    base = f"http://127.0.0.1:{s.admin}/"

    # without the token the page asks for it
    browser.get(base)
    auth = browser.find_element(By.ID, "auth")
    poll_until(lambda: auth.is_displayed(), timeout=PAGE_TIMEOUT, interval=0.1, what="the token form")

    # something a client put in a URL, kept by keel as the crashed request
    marker = "<img/src=x/onerror=document.title=1>"
    assert s.get(f"/crash.php/{marker}?sig=9").status == 502  # sent as is, not percent-encoded
    for _ in range(7):
        assert requests.get(f"http://127.0.0.1:{s.port}/pid.php", timeout=REQ_TIMEOUT).status_code == 200
    r = requests.post(base + "reload", headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
                      timeout=START_TIMEOUT)
    assert r.status_code == 200, r.text

    # opened with the token in the fragment: it leaves the address bar at once
    browser.get("about:blank")
    browser.get(base + "#token=" + urllib.parse.quote(TOKEN))
    auth = browser.find_element(By.ID, "auth")
    poll_until(lambda: not auth.is_displayed() and texts(browser, "#events li[data-kind]"),
               timeout=PAGE_TIMEOUT, interval=0.25, what="the events, once the token is taken")
    assert "#" not in browser.current_url and TOKEN not in browser.current_url, browser.current_url

    shown = poll_until(lambda: texts(browser, '#events li[data-kind="crash"]'), timeout=PAGE_TIMEOUT, interval=0.25,
                       what="the crash in the events")
    # shown as the characters it is, not as an element
    assert marker in shown[0], shown
    assert browser.execute_script("return document.querySelectorAll('main img').length") == 0
    assert browser.title.startswith("keel"), browser.title

    def timeline_shows_the_reload():
        return texts(browser, '#timeline rect[data-generation="2"][data-phase="serving"]') and \
            texts(browser, '#timeline rect[data-generation="1"]')

    poll_until(timeline_shows_the_reload, timeout=PAGE_TIMEOUT, interval=0.25, what="generations 1 and 2 on the timeline")
    recycles = texts(browser, '#events li[data-kind="recycle"]')
    assert len(recycles) >= 2 and all("recycle: requests" in t for t in recycles), recycles
    row = texts(browser, '#recycles tr[data-what="recycled: requests"] td')
    assert row[1:] == [str(len(recycles))] * 2, row

    # a reload of the tab keeps the token for this tab only
    browser.refresh()
    poll_until(lambda: texts(browser, '#events li[data-kind="crash"]'), timeout=PAGE_TIMEOUT, interval=0.25,
               what="the page again after a reload")
    screenshot(browser, artefacts, "dashboard-token.png")
    # the one error: the data refused while the page had no token
    severe = severe_browser_messages(browser)
    assert all("401" in m["message"] for m in severe), severe
    # the token never reached keel's log (nor anything it logs the URL of)
    assert TOKEN not in s.log_text()
