"""deploy/: the systemd unit and the Kubernetes manifests are checked
against the real things they name.

- deploy/keel.service passes `systemd-analyze verify` without a word
  (scripts/check-units.sh), stops the way keel stops, and deploy/keel.conf
  is a configuration keel serves with.
- deploy/kubernetes/: every path and port the manifests name (probes,
  Service, PodMonitor) is answered by a keel started with the Deployment's
  own args, inside a memory cgroup of the Deployment's limit; the grace
  period covers keel's stop.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
import requests
import yaml

from conftest import (
    KEEL_BIN,
    REPO,
    REQ_TIMEOUT,
    KeelServer,
    app_dir,
    poll_until,
)
from memcg import cg_keel, memcg  # noqa: F401 (fixtures)

DEPLOY = REPO / "deploy"
K8S = DEPLOY / "kubernetes"
ZYGOTE_EXIT_GRACE_S = 10  # src/front/server.c: after the workers, each zygote's time to exit


def seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h)?", text)
    assert m, text
    n = int(m.group(1))
    return {"ms": n / 1000, "s": n, None: n, "m": n * 60, "h": n * 3600}[m.group(2)]


# ---------------------------------------------------------------- systemd


def test_unit_verifies_cleanly():
    p = subprocess.run([str(REPO / "scripts" / "check-units.sh"), KEEL_BIN], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def unit():
    values = {}
    for line in (DEPLOY / "keel.service").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line and not line.startswith("["):
            k, _, v = line.partition("=")
            values.setdefault(k, []).append(v)
    return values


def conf():
    values = {}
    for line in (DEPLOY / "keel.conf").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            values[k.strip()] = v.strip()
    return values


def test_unit_stops_and_reloads_as_keel_does():
    u, c = unit(), conf()
    assert u["KillMode"] == ["mixed"] and u["KillSignal"] == ["SIGTERM"]
    assert u["ExecReload"][0].split()[1:2] == ["reload"]
    assert u["ExecStart"][0].split()[1:] == ["serve", "--config", "/etc/keel/keel.conf"]
    shutdown = seconds(c.get("shutdown-timeout", "30s"))
    drain = seconds(c.get("drain-delay", "0"))
    assert seconds(u["TimeoutStopSec"][0]) > drain + shutdown + ZYGOTE_EXIT_GRACE_S


def test_unit_conf_serves(tmp_path):
    """keel.conf as it is but for where it serves from and on."""
    text = (DEPLOY / "keel.conf").read_text()
    text = re.sub(r"(?m)^root = .*$", f"root = {app_dir('health')}", text)
    text = re.sub(r"(?m)^listen = .*$", "listen = 127.0.0.1:0", text)
    text = re.sub(r"(?m)^access-log = .*$", f"access-log = {tmp_path / 'access.log'}", text)
    # PHP as whoever runs the tests (keel.conf names www-data)
    text = re.sub(r"(?m)^user = .*$", f"user = {os.geteuid()}", text)
    (tmp_path / "keel.conf").write_text(text + "admin = off\n")
    s = KeelServer(app_dir("health"), ())
    s.args = [KEEL_BIN, "serve", "--config", str(tmp_path / "keel.conf")]
    s.start()
    try:
        assert requests.get(s.url + "/", timeout=REQ_TIMEOUT).status_code == 200
    finally:
        s.stop()


# ---------------------------------------------------------------- Kubernetes


def manifests():
    docs = []
    for f in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(f.read_text()) if d]
    return {d["kind"]: d for d in docs}


def container():
    m = manifests()
    pod = m["Deployment"]["spec"]["template"]["spec"]
    (c,) = [c for c in pod["containers"] if c["name"] == "keel"]
    return m, pod, c


def option(args, name):
    for a in args:
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return None


def test_kustomization_lists_every_manifest():
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def test_grace_period_covers_keel_stopping():
    m, pod, c = container()
    args = c["args"]
    drain = seconds(option(args, "drain-delay") or "0")
    shutdown = seconds(option(args, "shutdown-timeout") or "30s")
    pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    assert pod["terminationGracePeriodSeconds"] > pre_stop + drain + shutdown + ZYGOTE_EXIT_GRACE_S
    # not ready during the delay: the readiness probe asks keel's own answer
    assert drain > 0 and option(args, "health-path") == c["readinessProbe"]["httpGet"]["path"]


def memory_bytes(q):
    m = re.fullmatch(r"(\d+)(Ki|Mi|Gi)?", q)
    return int(m.group(1)) * {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, None: 1}[m.group(2)]


def test_every_path_and_port_is_answered(memcg, cg_keel):  # noqa: F811
    m, pod, c = container()
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    args = list(c["args"])
    assert args[0] == "serve" and Path(c["command"][0]).name == "keel"
    # where each port is listened on, by the args themselves
    listen = {"http": option(args, "listen"), "metrics": option(args, "metrics")}
    for name, addr in listen.items():
        assert addr == f"0.0.0.0:{ports[name]}", (name, addr)

    # keel with the same args, but on loopback ports of the test's own
    # (the container's address and ports are the pod's), serving a test app
    port_of = {}
    run = []
    for a in args[1:]:
        if a.startswith("--root="):
            a = f"--root={app_dir('health')}"
        elif a.startswith("--listen=") or a.startswith("--metrics="):
            a = a.split("=", 1)[0] + "=127.0.0.1:0"
        run.append(a)
    limit = memory_bytes(c["resources"]["limits"]["memory"])
    assert memory_bytes(c["resources"]["requests"]["memory"]) == limit
    group = memcg(limit)
    s = cg_keel(group, app_dir("health"), *run, workers=1)
    # cg_keel adds its own --root/--listen/--workers first; the Deployment's follow and win
    port_of[ports["http"]] = s.port
    line = s.wait_log(r"metrics: http://127\.0\.0\.1:\d+")
    port_of[ports["metrics"]] = int(re.search(r":(\d+) ", line).group(1))

    def answer(port_ref, path):
        port = ports[port_ref] if isinstance(port_ref, str) else port_ref
        return requests.get(f"http://127.0.0.1:{port_of[port]}{path}", timeout=REQ_TIMEOUT)

    # the budget fitted the limit: keel serves
    s.wait_log(rf"memory budget: limit {limit >> 20} MiB \(cgroup.*; fits")
    named = []
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if probe in c:
            g = c[probe]["httpGet"]
            named.append((g["port"], g["path"]))
    svc = m["Service"]["spec"]["ports"]
    named += [(p["targetPort"], "/") for p in svc]
    named += [(e["port"], e["path"]) for e in m["PodMonitor"]["spec"]["podMetricsEndpoints"]]
    assert len(named) >= 4
    for port_ref, path in named:
        r = poll_until(lambda: (lambda r: r if r.status_code == 200 else None)(answer(port_ref, path)),
                       REQ_TIMEOUT, what=f"{path} on {port_ref}")
        if path == "/metrics":
            assert "keel_requests_total" in r.text
    assert m["PodMonitor"]["spec"]["selector"]["matchLabels"].items() <= \
        m["Deployment"]["spec"]["template"]["metadata"]["labels"].items()
    assert m["Service"]["spec"]["selector"].items() <= m["Deployment"]["spec"]["template"]["metadata"]["labels"].items()
