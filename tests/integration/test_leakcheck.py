"""`keel leakcheck`: starts its own keel, drives a URL, and reports the
worker's memory growth per request; on examples/leaky the growth is known."""

import os
import pty
import re
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import APPS, EXIT_TIMEOUT, KEEL_BIN, REPO, SANITIZED, SCALE, descendants_of, pid_alive

LEAKY = REPO / "examples" / "leaky" / "public"
HELLO = REPO / "examples" / "hello"
GROWTH_RE = re.compile(r"^growth: (-?[0-9.]+) B/request \(95% CI (-?[0-9.]+)\u2013(-?[0-9.]+)\) over (\d+) requests$", re.M)
SVG = "{http://www.w3.org/2000/svg}"
RUN_TIMEOUT = 120 * SCALE
# Under AddressSanitizer a worker's resident memory also holds the
# sanitizer's shadow memory and quarantine, so its growth per request is
# not the application's: the runs are checked, their figures only loosely.
NOT_THE_APPS_FIGURES = "under AddressSanitizer a worker's memory growth is not the application's"


def near(measured, known):
    """Within 10% of the known growth; under the sanitizer, at least it."""
    if SANITIZED:
        return measured >= 0.9 * known
    return abs(measured - known) <= 0.1 * known


def leakcheck(*args, env=None, stderr=subprocess.PIPE):
    """Runs keel leakcheck to completion; kills it and whatever it started
    if it does not finish in time."""
    p = subprocess.Popen([KEEL_BIN, "leakcheck", *map(str, args)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=stderr, start_new_session=True, env={**os.environ, **(env or {})})
    try:
        out, err = p.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        family = descendants_of(p.pid)
        p.kill()
        for pid, start in family.items():
            if pid_alive(pid, start):
                os.kill(pid, 9)
        p.communicate()
        raise AssertionError(f"keel leakcheck {args} did not finish within {RUN_TIMEOUT:.0f}s")
    return p.returncode, out.decode(), (err or b"").decode(errors="replace")


def growth(out):
    m = GROWTH_RE.search(out)
    assert m, f"no result line in:\n{out}"
    g, lo, hi, reqs = float(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4))
    assert lo <= g <= hi, out
    return g, lo, hi, reqs


def samples_reported(out):
    return int(re.search(r"^samples: (\d+) ", out, re.M).group(1))


def test_known_leak_is_measured_within_ten_percent(tmp_path):
    plot = tmp_path / "leak.svg"
    rc, out, err = leakcheck("--root", LEAKY, "--worker", LEAKY / "worker.php", "--url", "/", "--requests", 1500,
                             "--plot", plot, env={"LEAK_BYTES": "8192"})
    assert rc == 0, out + err
    g, lo, hi, reqs = growth(out)
    # the worker retains LEAK_BYTES per request (examples/leaky/README.md)
    assert near(g, 8192), out
    assert reqs == 1500, out
    assert "worker mode" in out
    assert re.search(r"^at 1000 requests: private memory [0-9.]+ [KMG]iB, \+", out, re.M), out
    assert "ended early" not in out

    # the plot: well-formed SVG holding every sample and the fitted line
    root = ET.parse(plot).getroot()
    assert root.tag == SVG + "svg"
    circles = [c for c in root.iter(SVG + "circle") if "sample" in c.get("class", "").split()]
    assert len(circles) == samples_reported(out) > 30
    requests = [int(c.get("data-requests")) for c in circles]
    assert requests == sorted(set(requests)) and requests[-1] == 1500 and 1000 in requests
    memory = [int(c.get("data-bytes")) for c in circles]
    assert memory[-1] - memory[0] >= 8192 * (requests[-1] - requests[0]) * 0.9
    fits = [l for l in root.iter(SVG + "line") if l.get("class") == "fit"]
    assert len(fits) == 1 and abs(float(fits[0].get("data-slope")) - g) < 1, out
    assert any("growth:" in (t.text or "") for t in root.iter(SVG + "text"))


@pytest.mark.skipif(SANITIZED, reason=NOT_THE_APPS_FIGURES)
def test_no_leak_passes_the_gate():
    rc, out, err = leakcheck("--root", HELLO, "--url", "/", "--requests", 600, "--max-growth", 256)
    assert rc == 0, out + err
    g, lo, hi, reqs = growth(out)
    assert g < 256 and reqs == 600
    assert "classic mode" in out and "within --max-growth 256" in out


def test_growth_past_max_growth_fails():
    rc, out, err = leakcheck("--root", LEAKY, "--worker", LEAKY / "worker.php", "--requests", 300,
                             "--max-growth", "1K", env={"LEAK_BYTES": "4096"})
    assert rc == 1, out + err
    g, _, _, _ = growth(out)
    assert g > 1024 and "above --max-growth 1024" in out


def test_memory_limit_ends_the_run_early_with_the_figure_so_far():
    rc, out, err = leakcheck("--root", LEAKY, "--worker", LEAKY / "worker.php", "--url", "/?bytes=65536",
                             "--requests", 2000, "-d", "memory_limit=16M")
    assert rc == 3, out + err
    assert "ended early: the worker reached memory_limit after" in out, out
    assert "Allowed memory size of 16777216 bytes exhausted" in out
    g, _, _, reqs = growth(out)
    assert 50 < reqs < 2000
    assert near(g, 65536), out


def test_a_dying_worker_ends_the_run_early():
    rc, out, err = leakcheck("--root", APPS / "leakcheck", "--worker", APPS / "leakcheck" / "dies.php",
                             "--requests", 1000, env={"DIE_AFTER": "150"})
    assert rc == 3, out + err
    m = re.search(r"ended early: the worker \(pid \d+\) died or exited after (\d+) requests", out)
    assert m, out
    # the figure so far: the last sample before request 150 killed it
    assert 50 <= int(m.group(1)) < 150, out
    growth(out)


def test_a_url_no_worker_serves(tmp_path):
    (tmp_path / "static.txt").write_text("static\n")
    (tmp_path / "index.php").write_text("<?php echo 1;\n")
    rc, out, err = leakcheck("--root", tmp_path, "--url", "/static.txt", "--requests", 100)
    assert rc == 2, out + err
    assert "no PHP worker served /static.txt" in out


def test_progress_bar_only_on_a_terminal():
    rc, out, err = leakcheck("--root", HELLO, "--requests", 200)
    assert rc == 0 and "\r" not in err and "\r" not in out, err
    # the same run with stderr on a terminal draws the bar there; the
    # terminal is read as it is written, so it never fills up
    master, slave = pty.openpty()
    drawn = []

    def read_terminal():
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's last writer is gone
                return
            if not chunk:
                return
            drawn.append(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        rc, out, _ = leakcheck("--root", HELLO, "--requests", 200, stderr=slave)
    finally:
        os.close(slave)
        reader.join(EXIT_TIMEOUT)
        os.close(master)
    drawn = b"".join(drawn)
    assert rc == 0, out
    assert b"\r[" in drawn and b"/200 requests" in drawn, drawn
    assert "\r" not in out


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--root", HELLO, "--url", "no-slash"],
        ["--root", HELLO, "--requests", "99"],
        ["--root", HELLO, "--concurrency", "0"],
        ["--root", HELLO, "--max-growth", "lots"],
        ["--root", HELLO, "--frobnicate"],
        ["--root"],
    ],
    ids=lambda a: " ".join(map(str, a)) or "nothing",
)
def test_bad_options(args):
    rc, out, err = leakcheck(*args)
    assert rc == 2 and out == "", out
    assert "keel leakcheck:" in err


def test_a_keel_that_cannot_start_says_why(tmp_path):
    rc, out, err = leakcheck("--root", tmp_path / "missing", "--requests", 100)
    assert rc == 2
    assert "keel serve did not start" in err and str(tmp_path / "missing") in err
