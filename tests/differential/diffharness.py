"""Shared machinery of the differential tests (imported by conftest.py and
the test modules; a module name distinct from tests/integration's conftest)."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.append(str(HERE))

import compare  # noqa: E402
import servers  # noqa: E402
from expected_differences import EXPECTED  # noqa: E402

REPO = HERE.parent.parent
KEEL_BIN = os.environ.get("KEEL_BIN") or str(REPO / "build" / "keel")
# ini profiles: every pair gets the same settings (keel -d, php-fpm -d).
# "{app}" is replaced by the served app directory.
PROFILES = {
    "default": [],
    "display": [("display_errors", "On")],
    "limits": [("upload_max_filesize", "1K"), ("post_max_size", "16K"), ("max_file_uploads", "3")],
    "big": [("post_max_size", "64M"), ("memory_limit", "256M")],
    "overrides": [("auto_prepend_file", "{app}/lib/prepend.php"), ("disable_functions", "exec,shell_exec"),
                  ("memory_limit", "16M"), ("max_execution_time", "1")],
}

# PHP's environment per profile: PHP-FPM's clear_env and env[] against
# keel's --clear-env and --env, nginx's fastcgi_param against --param.
# Without an entry: clear_env = no, nothing set. Both servers start from
# servers.BASE_ENV, so what reaches PHP can be compared exactly.
ENV_PROFILES = {
    "env": {"clear": False,
            "env": [("KEEL_DIFF_SET", "set by the pool"), ("KEEL_DIFF_COPIED", "$KEEL_DIFF_SHELL"),
                    ("APP_DEBUG", "0")],
            "params": [("HTTPS", "on"), ("APP_ENV", "from-param")]},
    "envclear": {"clear": True,
                 "env": [("KEEL_DIFF_SET", "set by the pool"), ("KEEL_DIFF_COPIED", "$KEEL_DIFF_SHELL")],
                 "params": []},
}
for _p in ENV_PROFILES:
    PROFILES[_p] = []


# The applications of tests/integration/apps that run under both servers:
# how to prepare a copy, keel's worker script and environment, a path that
# answers 200 once a server is up.
INTEGRATION_APPS = REPO / "tests" / "integration" / "apps"
FRAMEWORKS = {
    "laravel": {
        "setup": ["bin/setup.php"],
        "worker": lambda app: REPO / "integrations" / "laravel" / "worker.php",
        "env": {},
        "ping": "/api/rows",
    },
    "symfony": {
        "worker": lambda app: "index.php",
        # Until keel passes its environment to $_SERVER, APP_RUNTIME
        # reaches Symfony's autoload_runtime.php through $_ENV.
        "env": {"APP_RUNTIME": "Keel\\Symfony\\Runtime", "APP_ENV": "prod", "APP_DEBUG": "0"},
        "ref_env": {"APP_ENV": "prod", "APP_DEBUG": "0"},
        "keel_args": ["-d", "variables_order=EGPCS"],
        "ping": "/hello/ping",
    },
}


class Servers:
    def __init__(self):
        self.work = Path(tempfile.mkdtemp(prefix="keel-diff-", dir="/tmp"))
        os.chmod(self.work, 0o755)
        self.app = servers.prepare_app(HERE / "app", self.work)
        self.side = self.work / "side"
        self.pairs = {}
        self.all = []
        self.lock = threading.Lock()

    def _ini(self, profile):
        return [(k, v.replace("{app}", str(self.app))) for k, v in PROFILES[profile]]

    def get(self, profile):
        with self.lock:
            if profile not in self.pairs:
                ini = self._ini(profile)
                logdir = self.work / f"keel-{profile}"
                logdir.mkdir()
                envp = ENV_PROFILES.get(profile)
                keel = servers.Keel(KEEL_BIN, self.app, ini, logdir, envp=envp)
                ref = servers.Reference(self.app, ini, self.work / f"ref-{profile}", envp=envp)
                self.all += [keel, ref]
                errs = []

                def start(s):
                    try:
                        s.start()
                    except Exception as e:  # reported below
                        errs.append(f"{s.name}: {e}")

                ts = [threading.Thread(target=start, args=(s,)) for s in (keel, ref)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join(servers.START_TIMEOUT * 3)
                if errs:
                    pytest.fail(f"profile {profile}: could not start: {errs}\n{keel.log_tail()}\n{ref.log_tail()}")
                self.pairs[profile] = servers.Pair(profile, keel, ref)
            return self.pairs[profile]

    def tls_pair(self):
        """keel and nginx + php-fpm, each with an https:// listener beside
        the cleartext one, serving the same test certificate (default ini)."""
        with self.lock:
            if "tls" not in self.pairs:
                d = self.work / "tls-cert"
                d.mkdir()
                key, cert = d / "key.pem", d / "cert.pem"
                subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj",
                                "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                               check=True, capture_output=True)
                logdir = self.work / "keel-tls"
                logdir.mkdir()
                keel = servers.Keel(KEEL_BIN, self.app, self._ini("default"), logdir, tls=(cert, key))
                ref = servers.Reference(self.app, self._ini("default"), self.work / "ref-tls", tls=(cert, key))
                self.all += [keel, ref]
                for s in (ref, keel):
                    try:
                        s.start()
                    except Exception as e:
                        pytest.fail(f"tls pair: {s.name} could not start: {e}\n{s.log_tail()}")
                self.pairs["tls"] = servers.Pair("tls", keel, ref)
            return self.pairs["tls"]

    def worker_pair(self, profile, script):
        """keel in worker mode with script as its worker script, paired with
        the profile's reference (started with it if needed)."""
        ref = self.get(profile).ref
        key = (profile, script)
        with self.lock:
            if key not in self.pairs:
                logdir = self.work / f"keel-worker-{profile}-{script.replace('/', '_')}"
                logdir.mkdir()
                keel = servers.Keel(KEEL_BIN, self.app, self._ini(profile), logdir, worker=script)
                self.all.append(keel)
                try:
                    keel.start()
                except Exception as e:
                    pytest.fail(f"profile {profile}, worker mode: could not start: {e}\n{keel.log_tail()}")
                self.pairs[key] = servers.Pair(profile, keel, ref)
            return self.pairs[key]

    def custom_pair(self, name, keel_args, nginx_http):
        """A pair of its own (default ini) with more keel options and more
        nginx http-block directives, started once per session."""
        with self.lock:
            if ("custom", name) not in self.pairs:
                logdir = self.work / f"keel-{name}"
                logdir.mkdir()
                keel = servers.Keel(KEEL_BIN, self.app, [], logdir, args=keel_args)
                ref = servers.Reference(self.app, [], self.work / f"ref-{name}", extra_http=nginx_http)
                self.all += [keel, ref]
                errs = []

                def start(s):
                    try:
                        s.start()
                    except Exception as e:  # reported below
                        errs.append(f"{s.name}: {e}")

                ts = [threading.Thread(target=start, args=(s,)) for s in (keel, ref)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join(servers.START_TIMEOUT * 3)
                if errs:
                    pytest.fail(f"pair {name}: could not start: {errs}\n{keel.log_tail()}\n{ref.log_tail()}")
                self.pairs[("custom", name)] = servers.Pair(name, keel, ref)
            return self.pairs[("custom", name)]

    def framework_pair(self, name):
        """The framework application apps/<name> of the integration tests
        (laravel, symfony): nginx + php-fpm running it classic, keel in
        worker mode through keel's integration. Each server has its own
        copy, since the frameworks write caches there."""
        key = ("framework", name)
        with self.lock:
            if key not in self.pairs:
                fw = FRAMEWORKS[name]
                apps = {}
                for side in ("ref", "keel"):
                    apps[side] = self.work / f"{name}-{side}"
                    shutil.copytree(INTEGRATION_APPS / name, apps[side], symlinks=True)
                    # the probe the harness sends after each case on the same connection
                    shutil.copy(HERE / "app" / "_ping.php", apps[side] / "public" / "_ping.php")
                    if fw.get("setup"):
                        subprocess.run(["php", *fw["setup"]], cwd=apps[side], check=True, timeout=120)
                logdir = self.work / f"keel-{name}"
                logdir.mkdir()
                keel = servers.Keel(KEEL_BIN, apps["keel"] / "public", [], logdir,
                                    worker=fw["worker"](apps["keel"]), env=fw["env"], args=fw.get("keel_args", ()),
                                    ping=fw["ping"])
                ref = servers.Reference(apps["ref"] / "public", [], self.work / f"ref-{name}",
                                        env=fw.get("ref_env", fw["env"]), ping=fw["ping"])
                self.all += [keel, ref]
                errs = []

                def start(s):
                    try:
                        s.start()
                    except Exception as e:  # reported below
                        errs.append(f"{s.name}: {e}")

                ts = [threading.Thread(target=start, args=(s,)) for s in (keel, ref)]
                for t in ts:
                    t.start()
                for t in ts:
                    t.join(servers.START_TIMEOUT * 3)
                if errs:
                    pytest.fail(f"{name}: could not start: {errs}\n{keel.log_tail()}\n{ref.log_tail()}")
                self.pairs[key] = servers.Pair(name, keel, ref)
            return self.pairs[key]

    def stop(self):
        for s in self.all:
            try:
                s.stop()
            except Exception:
                pass
        self.all = []
        if os.environ.get("KEEL_DIFF_KEEP") != "1":
            shutil.rmtree(self.work, ignore_errors=True)


def token(server_name):
    return f"{server_name}-{uuid.uuid4().hex}"


def both(pair, fn):
    """Runs fn(server) for the reference and keel in parallel threads;
    returns (ref_result, keel_result). Exceptions are re-raised."""
    results = {}

    def run(s):
        try:
            results[s.name] = ("ok", fn(s))
        except BaseException as e:  # noqa: BLE001 - re-raised below
            results[s.name] = ("err", e)

    ts = [threading.Thread(target=run, args=(s,)) for s in (pair.ref, pair.keel)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(120)
    for s in (pair.ref, pair.keel):
        if s.name not in results:
            raise AssertionError(f"{s.name}: no result within 120s")
        kind, v = results[s.name]
        if kind == "err":
            raise AssertionError(f"{s.name}: {type(v).__name__}: {v}") from v
    return results["reference"][1], results["keel"][1]


def _report(case_id, diffs, errors):
    """KEEL_DIFF_REPORT=file: also append every case's differences there as
    JSON lines (one per case), for a summary across a run."""
    path = os.environ.get("KEEL_DIFF_REPORT")
    if path and (diffs or errors):
        import json
        with open(path, "a") as f:
            f.write(json.dumps({"case": case_id, "expected": case_id in EXPECTED, "errors": list(errors),
                                "diffs": [[k, compare._short(a, 400), compare._short(b, 400)] for k, a, b in diffs]}) + "\n")


def assert_same(case_id, diffs, errors=()):
    """Asserts no difference, or exactly the documented one."""
    _report(case_id, diffs, errors)
    if errors:
        raise AssertionError(f"{case_id}: harness checks failed: {errors}\n" + compare.format_diffs(diffs))
    keys = sorted({k for k, _, _ in diffs})
    exp = EXPECTED.get(case_id)
    if exp is None:
        if diffs:
            raise AssertionError(f"{case_id}: keel differs from nginx+php-fpm:\n" + compare.format_diffs(diffs))
        return
    if keys != sorted(exp["differs"]):
        raise AssertionError(
            f"{case_id}: expected difference in {sorted(exp['differs'])} ({exp['why']}), got {keys}:\n"
            + compare.format_diffs(diffs))


def compare_pair(case_id, pair, ref, keel, **kw):
    diffs, errors = compare.diff_responses(ref, keel, pair.ref.port, pair.keel.port, **kw)
    assert_same(case_id, diffs, errors)
