"""`keel status`: the running keel's /status as tables, read over the admin
listener by the same binary."""

import requests

from conftest import REQ_TIMEOUT, app_dir
from test_cli import free_port, run


def test_status_shows_every_worker_of_the_running_keel(keel):
    s = keel(app_dir("php"), "--admin", "127.0.0.1:0", workers=2)
    admin = f"127.0.0.1:{s.admin_port()}"
    for _ in range(5):
        assert s.get("/index.php").status == 200
    status = requests.get(f"http://{admin}/status", timeout=REQ_TIMEOUT).json()

    res = run("status", "--admin", admin)
    out = res.stdout.decode()
    assert res.returncode == 0, res.stderr
    assert f"generation {status['generation']};" in out
    assert f"{status['requests_total']} requests" in out
    rows = {int(l.split()[0]): l.split() for l in out.splitlines() if l.split() and l.split()[0].isdigit()}
    assert status["workers"], status
    for w in status["workers"]:
        row = rows.get(w["pid"])
        assert row is not None, f"worker {w['pid']} missing from:\n{out}"
        assert row[1] == str(w["generation"]) and row[2] == w["mode"] and row[4] == str(w["requests"]), row
    for g in status["generations"]:
        assert [str(g["number"]), g["state"], str(g["zygote_pid"]), "on" if g["opcache"] else "off"] in rows.values(), out
    assert "memory:  limit" in out and "budget" in out
    assert "opcache:" in out


def test_status_without_a_server_says_so():
    res = run("status", "--admin", f"127.0.0.1:{free_port()}")
    assert res.returncode == 1
    assert b"cannot read keel's admin listener" in res.stderr
    assert res.stdout == b""


def test_status_options():
    assert run("status", "--help").returncode == 0
    assert run("status", "--frobnicate").returncode == 2
    assert run("status", "--admin", "nocolon").returncode == 2
