"""Starts and stops the two servers under comparison.

    keel       build/keel serve --root APP --workers 2 --php-ini <fpm php.ini> ...
    reference  nginx 1.22 + php-fpm 8.2 (pm = static, 2 children, unix socket),
               configured from scratch in a private temp dir

Both serve the same APP directory (a per-session copy of
tests/differential/app), so DOCUMENT_ROOT, SCRIPT_FILENAME and error
messages naming files are identical and compared exactly.

Every wait is a poll on a condition with a deadline.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpraw

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
FPM_PHP_INI = "/etc/php/8.2/fpm/php.ini"
READY_RE = re.compile(r"ready: http://127\.0\.0\.1:(\d+)")
TLS_READY_RE = re.compile(r"ready: .*https://127\.0\.0\.1:(\d+)")


def poll_until(pred, timeout, what, interval=0.02):
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= end:
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}")
        # Polling interval of a condition wait, not a synchronisation sleep.
        time.sleep(interval)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _base_env():
    """What both servers are started with: the environment PHP sees through
    PHP-FPM's `clear_env = no` and keel's default alike."""
    import pwd
    me = pwd.getpwuid(os.geteuid())
    return {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "USER": me.pw_name, "HOME": me.pw_dir,
            "KEEL_DIFF_SHELL": "from the shell", "APP_ENV": "prod"}


BASE_ENV = _base_env()


def _alive(proc):
    return proc is not None and proc.poll() is None


def _stop_proc(proc, sig=signal.SIGTERM):
    """Stops a process this harness started (by its pid), then its process
    group (we created it with start_new_session), with a deadline."""
    if proc is None:
        return
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT)
    # Children left in the session we created (e.g. php-fpm children if the
    # master died first).
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _http_ready(port, target):
    try:
        r = httpraw.exchange(port, "GET", target, timeout=2.0)
        return r.status == 200
    except (OSError, TimeoutError, httpraw.ConnectionClosed, AssertionError):
        return False


class Keel:
    name = "keel"

    def __init__(self, binary, app, ini, logdir, worker=None, env=None, args=(), ping="/_ping.php", envp=None,
                 tls=None):
        self.envp = envp or {}  # diffharness.ENV_PROFILES: --clear-env, --env, --param
        self.tls = tls  # (certificate chain, key): an https:// listener beside the cleartext one
        self.tls_port = None
        self.binary = binary
        self.app = app
        self.ini = ini  # [(key, value)]
        self.worker = worker  # worker mode with this script (its path in app, or absolute), or None
        self.env = env or {}  # added to keel's minimal environment
        self.args = list(args)  # more `keel serve` arguments
        self.ping = ping  # a path answering 200 once the server is ready
        self.logdir = Path(logdir)
        self.proc = None
        self.port = None
        self.log_path = self.logdir / "keel.log"
        self._log_lines = []
        self._ready = threading.Event()

    def start(self):
        args = [self.binary, "serve", "--root", str(self.app), "--listen", "127.0.0.1:0",
                "--workers", "2", "--php-ini", FPM_PHP_INI, "--max-body", "64M",
                "--server-name", "localhost", "--admin", "off",
                # keel's own defaults differ on purpose (code changes come
                # with a reload; OPcache never restarts itself in place, a
                # new generation replaces it): compare under the php.ini
                # php-fpm runs with
                "-d", "opcache.validate_timestamps=1", "-d", "opcache.max_wasted_percentage=5",
                # the reference runs without nginx's gzip module: compare
                # what PHP does, not compression (tests/integration/test_compress.py)
                "--compress", "off"]
        for k, v in self.ini:
            args += ["-d", f"{k}={v}"]
        if self.worker:
            args += ["--worker", str(Path(self.app) / self.worker)]
        if self.envp.get("clear"):
            args.append("--clear-env")
        for k, v in self.envp.get("env", []):
            args += ["--env", f"{k}={v}"]
        for k, v in self.envp.get("params", []):
            args += ["--param", f"{k}={v}"]
        args += self.args
        if self.tls:
            args += ["--listen", "127.0.0.1:0", "--listen", "https://127.0.0.1:0", "--tls-cert", str(self.tls[0]),
                     "--tls-key", str(self.tls[1])]
        # The environment php-fpm gets too (the key-set tests compare what
        # reaches $_SERVER), and what a pair adds for keel.
        env = {**BASE_ENV, **self.env}
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env, start_new_session=True)
        log = open(self.log_path, "w", encoding="utf-8", errors="replace")

        def drain():
            for raw in self.proc.stderr:
                line = raw.decode("utf-8", "replace")
                log.write(line)
                log.flush()
                m = READY_RE.search(line)
                if m and not self._ready.is_set():
                    self.port = int(m.group(1))
                    t = TLS_READY_RE.search(line)
                    self.tls_port = int(t.group(1)) if t else None
                    self._ready.set()
            log.close()

        threading.Thread(target=drain, daemon=True).start()
        poll_until(lambda: self._ready.is_set() or not _alive(self.proc), START_TIMEOUT, "keel ready line")
        if not self._ready.is_set():
            raise RuntimeError(f"keel exited before ready: {self.log_tail()}")
        poll_until(lambda: _http_ready(self.port, self.ping), START_TIMEOUT, f"keel answering {self.ping}")

    def log_tail(self, n=30):
        try:
            return "".join(self.log_path.read_text(errors="replace").splitlines(True)[-n:])
        except OSError:
            return ""

    def alive(self):
        return _alive(self.proc)

    def stop(self):
        _stop_proc(self.proc)


class Reference:
    """nginx + php-fpm, written after bench/lib/nginx_fpm.sh but with the
    location block users actually write (Debian's snippets/fastcgi-php.conf,
    spelled out) so PATH_INFO routing works as in the wild."""

    name = "reference"

    def __init__(self, app, ini, workdir, env=None, ping="/_ping.php", tls=None, extra_http="", envp=None):
        self.envp = envp or {}  # diffharness.ENV_PROFILES: clear_env, env[], fastcgi_param
        self.app = app
        self.ini = ini
        self.env = env or {}  # given to PHP through the pool's env[]
        self.ping = ping
        self.tls = tls  # (certificate chain, key): a listen ... ssl beside the cleartext one
        self.tls_port = None
        self.extra_http = extra_http  # more directives in nginx's http block (a custom pair)
        self.dir = Path(workdir)
        self.fpm = None
        self.nginx = None
        self.port = None

    def _write_configs(self, port, tls_port=None):
        d = self.dir
        tls_lines = tls_params = ""
        if self.tls:
            # as a TLS site is set up with nginx; mod_ssl's two variables,
            # which keel passes too, go in the PHP location (a location
            # with fastcgi_params of its own inherits none from the server)
            tls_lines = f"""listen 127.0.0.1:{tls_port} ssl http2;
        ssl_certificate {self.tls[0]};
        ssl_certificate_key {self.tls[1]};
        ssl_protocols TLSv1.2 TLSv1.3;"""
            tls_params = """fastcgi_param SSL_PROTOCOL $ssl_protocol if_not_empty;
            fastcgi_param SSL_CIPHER $ssl_cipher if_not_empty;"""
        root_lines = "user = root\ngroup = root\n" if os.geteuid() == 0 else ""
        env_lines = "clear_env = %s\n" % ("yes" if self.envp.get("clear") else "no")
        env_lines += "".join(f"env[{k}] = {v}\n" for k, v in self.envp.get("env", []))
        params = "".join(f"            fastcgi_param {k} {v};\n" for k, v in self.envp.get("params", []))
        (d / "php-fpm.conf").write_text(f"""\
[global]
pid = {d}/php-fpm.pid
error_log = {d}/php-fpm.log
daemonize = no

[diff]
{root_lines}listen = {d}/php-fpm.sock
listen.mode = 0600
pm = static
pm.max_children = 2
{env_lines}""" + "".join(f"env[{k}] = {v}\n" for k, v in self.env.items()))
        nginx_user = "user root root;" if os.geteuid() == 0 else ""
        (d / "nginx.conf").write_text(f"""\
{nginx_user}
daemon off;
master_process on;
worker_processes 1;
pid {d}/nginx.pid;
lock_file {d}/nginx.lock;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    {"" if "access_log" in self.extra_http else "access_log off;"}
    sendfile on;
{self.extra_http}
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    keepalive_timeout 65;
    keepalive_requests 100000;
    # The 10 MB request cases.
    client_max_body_size 64m;
    # Raised from the default 4 x 8k so that the 16 KB+ query string and
    # the many-headers cases reach PHP: the harness compares what PHP sees,
    # not nginx's header-buffer limit (keel has no such small limit).
    large_client_header_buffers 4 64k;

    server {{
        listen 127.0.0.1:{port};
        {tls_lines}
        # SERVER_NAME: keel derives it from the Host header (port
        # stripped); nginx passes its configured $server_name. The harness
        # sends "Host: localhost" (or localhost:PORT) and names this server
        # "localhost", so both give SERVER_NAME=localhost. With
        # `server_name _;` nginx would pass "_" and every case would differ.
        server_name localhost;
        root {self.app};
        index index.php;

        location / {{
            try_files $uri $uri/ /index.php?$query_string;
        }}

        # Debian's snippets/fastcgi-php.conf, spelled out.
        location ~ [^/]\\.php(/|$) {{
            fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
            try_files $fastcgi_script_name =404;
            set $path_info $fastcgi_path_info;
            fastcgi_param PATH_INFO $path_info;
            fastcgi_index index.php;
            include /etc/nginx/fastcgi.conf;
{params}            {tls_params}
            fastcgi_pass unix:{d}/php-fpm.sock;
        }}
    }}
}}
""")

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        args = ["php-fpm8.2", "--nodaemonize", "--fpm-config", str(self.dir / "php-fpm.conf")]
        if os.geteuid() == 0:
            args.append("-R")
        for k, v in self.ini:
            args += ["-d", f"{k}={v}"]
        last_err = None
        for _attempt in range(3):  # the free port may be taken in between
            port = free_port()
            tls_port = free_port() if self.tls else None
            self._write_configs(port, tls_port)
            if self.fpm is None:
                self.fpm = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                            stdout=open(self.dir / "php-fpm.out", "w"),
                                            stderr=subprocess.STDOUT, start_new_session=True, env=dict(BASE_ENV))
                poll_until(lambda: (self.dir / "php-fpm.sock").exists() or not _alive(self.fpm),
                           START_TIMEOUT, "php-fpm socket")
                if not _alive(self.fpm):
                    raise RuntimeError("php-fpm exited: " + self.log_tail())
            self.nginx = subprocess.Popen(
                ["nginx", "-p", f"{self.dir}/", "-c", str(self.dir / "nginx.conf"), "-e", str(self.dir / "error.log")],
                stdin=subprocess.DEVNULL, stdout=open(self.dir / "nginx.out", "w"),
                stderr=subprocess.STDOUT, start_new_session=True)
            try:
                poll_until(lambda: _http_ready(port, self.ping) or not _alive(self.nginx),
                           START_TIMEOUT, f"nginx+php-fpm answering {self.ping}")
            except RuntimeError as e:
                last_err = e
            if _alive(self.nginx) and last_err is None:
                self.port = port
                self.tls_port = tls_port
                return
            _stop_proc(self.nginx)
            self.nginx = None
            last_err = last_err or RuntimeError("nginx exited: " + self.log_tail())
        raise last_err

    def log_tail(self, n=20):
        out = []
        for f in ("php-fpm.out", "php-fpm.log", "nginx.out", "error.log"):
            p = self.dir / f
            if p.exists():
                out.append(f"--- {f}\n" + "".join(p.read_text(errors="replace").splitlines(True)[-n:]))
        return "\n".join(out)

    def alive(self):
        return _alive(self.nginx) and _alive(self.fpm)

    def stop(self):
        _stop_proc(self.nginx, signal.SIGTERM)
        _stop_proc(self.fpm, signal.SIGTERM)


class Pair:
    def __init__(self, profile, keel, ref):
        self.profile = profile
        self.keel = keel
        self.ref = ref

    def both(self):
        return [self.ref, self.keel]


def prepare_app(src, workdir):
    """Copies the fixture app to workdir/app; side-effect files go to
    workdir/side (the scripts find it as __DIR__/../side)."""
    workdir = Path(workdir)
    app = workdir / "app"
    shutil.copytree(src, app, symlinks=True)
    for sub in ("side", "sessions"):
        (workdir / sub).mkdir()
        os.chmod(workdir / sub, 0o777)
    return app
