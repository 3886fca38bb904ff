"""Shared machinery for keel's integration tests.

Every test talks to a real `keel serve` process over real sockets on
127.0.0.1. Nothing is mocked. Waits are always on a condition with a
deadline (a line on a pipe, a byte on a socket, a pid leaving /proc), never
a fixed sleep used as synchronisation.
"""

import atexit
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
APPS = HERE / "apps"

KEEL_BIN = os.environ.get("KEEL_BIN") or str(REPO / "build" / "keel")
SANITIZED = os.environ.get("KEEL_SANITIZED") == "1"
SCALE = 3.0 if SANITIZED else 1.0

# Deadlines, all scaled for sanitizer builds.
START_TIMEOUT = 20.0 * SCALE  # from spawn to the "ready:" line
REQ_TIMEOUT = 10.0 * SCALE  # one ordinary request
EXIT_TIMEOUT = 10.0 * SCALE  # a process leaving after it was told to
HOLD_MAX = 20.0 * SCALE  # how long a held PHP script waits for its release file

READY_RE = re.compile(r"ready: http://127\.0\.0\.1:(\d+)")
# Logged once keel accepts, before any generation serves.
LISTENING_RE = re.compile(r"listening: http://127\.0\.0\.1:(\d+)")


def deadline_after(seconds):
    return time.monotonic() + seconds


def poll_until(predicate, timeout, interval=0.02, what="condition"):
    """Polls predicate until it returns a truthy value, or fails the test."""
    end = deadline_after(timeout)
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= end:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------- /proc


def proc_stat(pid):
    """(state, ppid, pgrp, starttime) of pid, or None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read().decode("latin-1")
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    rest = data[data.rindex(")") + 2 :].split()
    # rest[0]=state rest[1]=ppid rest[2]=pgrp ... rest[19]=starttime
    return rest[0], int(rest[1]), int(rest[2]), int(rest[19])


def all_pids():
    for name in os.listdir("/proc"):
        if name.isdigit():
            yield int(name)


def descendants_of(root_pid):
    """Every live process below root_pid, as a dict pid -> starttime."""
    children = {}
    starts = {}
    for pid in all_pids():
        st = proc_stat(pid)
        if st is None:
            continue
        state, ppid, _pgrp, start = st
        starts[pid] = start
        children.setdefault(ppid, []).append(pid)
    found = {}
    todo = [root_pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            if c not in found:
                found[c] = starts[c]
                todo.append(c)
    return found


def pid_alive(pid, starttime=None):
    """True while pid exists as a running (non-zombie) process; a pid reused
    by an unrelated process (different start time) counts as gone."""
    st = proc_stat(pid)
    if st is None:
        return False
    state, _ppid, _pgrp, start = st
    if starttime is not None and start != starttime:
        return False
    return state != "Z"


def wait_pids_gone(pids, timeout):
    """pids: dict pid -> starttime. Returns the ones still alive at the deadline."""
    end = deadline_after(timeout)
    while True:
        alive = {p: s for p, s in pids.items() if pid_alive(p, s)}
        if not alive or time.monotonic() >= end:
            return alive
        time.sleep(0.05)


def describe_pids(pids):
    out = []
    for p in pids:
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            cmd = "?"
        out.append(f"{p} ({proc_stat(p)}) {cmd}")
    return "; ".join(out)


# ---------------------------------------------------------------- HTTP over raw sockets


def _decode_chunked(buf):
    """Decodes as much of a chunked body as is complete.
    Returns (data, complete)."""
    out = bytearray()
    pos = 0
    while True:
        nl = buf.find(b"\r\n", pos)
        if nl < 0:
            return bytes(out), False
        size_field = buf[pos:nl].split(b";")[0].strip()
        try:
            size = int(size_field, 16)
        except ValueError:
            raise AssertionError(f"bad chunk size line {buf[pos:nl]!r}")
        if size == 0:
            return bytes(out), True
        start = nl + 2
        if len(buf) < start + size + 2:
            # partial chunk: hand out what is there so streaming is visible
            out += buf[start : start + size]
            return bytes(out), False
        out += buf[start : start + size]
        pos = start + size + 2


class RawResponse:
    """One HTTP/1.1 exchange on its own socket, read incrementally.

    The request is sent with `Connection: close`. Body framing
    (Content-Length, chunked, or until EOF) is decoded as bytes arrive, so a
    test can observe the first flushed bytes of a response that has not
    finished yet."""

    def __init__(self, port, target, method="GET", headers=None, body=b"", raw=None, timeout=REQ_TIMEOUT):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout  # default for every read below
        self.buf = b""
        self.eof = False
        self.status = None
        self.reason = None
        self.headers = {}
        self.header_list = []
        self._body_start = None
        self.method = method
        if raw is None:
            h = {"Host": f"127.0.0.1:{port}", "Connection": "close"}
            if body:
                h["Content-Length"] = str(len(body))
            h.update(headers or {})
            lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in h.items()]
            raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        self.sock.sendall(raw)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _recv(self, end):
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline passed")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("deadline passed")
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
        self.buf += data
        return data

    def read_headers(self, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        if self.status is not None:
            return self
        end = deadline_after(timeout)
        while b"\r\n\r\n" not in self.buf:
            if self.eof:
                raise AssertionError(f"connection closed before a full response head: {self.buf!r}")
            try:
                self._recv(end)
            except TimeoutError:
                raise AssertionError(f"no response head within {timeout:.1f}s; got {self.buf!r}")
        head, _, _ = self.buf.partition(b"\r\n\r\n")
        self._body_start = len(head) + 4
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise AssertionError(f"not an HTTP status line: {lines[0]!r}")
        self.status_line = lines[0]
        self.status = int(parts[1])
        self.reason = parts[2] if len(parts) > 2 else ""
        for line in lines[1:]:
            k, _, v = line.partition(":")
            self.header_list.append((k.strip(), v.strip()))
            self.headers[k.strip().lower()] = v.strip()
        return self

    def _body_so_far(self):
        raw = self.buf[self._body_start :]
        if self.method == "HEAD" or self.status in (204, 304) or 100 <= self.status < 200:
            return b"", True
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return _decode_chunked(raw)
        if "content-length" in self.headers:
            n = int(self.headers["content-length"])
            return raw[:n], len(raw) >= n
        return raw, self.eof

    def read_until(self, needle, timeout=None):
        """Waits until the decoded body contains needle; returns the body so far."""
        timeout = self.timeout if timeout is None else timeout
        end = deadline_after(timeout)
        self.read_headers(max(0.01, end - time.monotonic()))
        while True:
            body, complete = self._body_so_far()
            if needle in body:
                return body
            if complete or self.eof:
                raise AssertionError(f"response ended without {needle!r}; body: {body!r}")
            try:
                self._recv(end)
            except TimeoutError:
                raise AssertionError(f"timed out after {timeout:.1f}s waiting for {needle!r}; body so far: {body!r}")

    def read_all(self, timeout=None):
        """Reads the whole body (by its framing) and returns it."""
        timeout = self.timeout if timeout is None else timeout
        end = deadline_after(timeout)
        self.read_headers(max(0.01, end - time.monotonic()))
        while True:
            body, complete = self._body_so_far()
            if complete:
                return body
            if self.eof:
                raise AssertionError(f"connection closed before the body was complete: {body!r}")
            try:
                self._recv(end)
            except TimeoutError:
                raise AssertionError(f"timed out after {timeout:.1f}s reading the body; so far: {body!r}")

    def read_to_eof(self, timeout=None):
        """Reads until the server closes the connection; returns raw bytes after the head."""
        timeout = self.timeout if timeout is None else timeout
        end = deadline_after(timeout)
        self.read_headers(max(0.01, end - time.monotonic()))
        while not self.eof:
            try:
                self._recv(end)
            except TimeoutError:
                raise AssertionError(f"timed out after {timeout:.1f}s waiting for the server to close")
        return self.buf[self._body_start :]

    def has_data_pending(self):
        """Non-blocking: did any byte (or EOF) arrive beyond what was read?"""
        self.sock.setblocking(False)
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, socket.timeout):
            return False
        except ConnectionResetError:
            self.eof = True
            return True
        finally:
            self.sock.setblocking(True)
        if not data:
            self.eof = True
        self.buf += data
        return True


def hold_worker(s, release):
    """Keeps a worker busy with hold.php (apps that have it) until the
    returned Release fires; returns the stream, the Release and the
    worker's pid."""
    rel = release()
    h = s.stream("/hold.php?" + rel.query)
    first = h.read_until(b"first", timeout=REQ_TIMEOUT)
    return h, rel, int(first.split(b"pid=")[1].split()[0])


def first_to_answer(streams, timeout):
    """Waits until one of the streams has a full response head; returns it."""
    end = time.monotonic() + timeout
    while True:
        for st in streams:
            if st.status is None and b"\r\n\r\n" in st.buf:
                st.read_headers()
            if st.status is not None:
                return st
            if st.eof:
                raise AssertionError(f"connection closed without a response: {st.buf!r}")
        remaining = end - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no response within {timeout:.1f}s")
        readable, _, _ = select.select([st.sock for st in streams], [], [], remaining)
        for st in streams:
            if st.sock in readable:
                st.has_data_pending()


def raw_exchange(port, raw, timeout=REQ_TIMEOUT):
    """Sends raw bytes, reads until the server closes (or the deadline).
    Returns everything received."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        sock.sendall(raw)
        end = deadline_after(timeout)
        data = b""
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                break
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
        return data
    finally:
        sock.close()


def get(port, target, **kw):
    """A complete GET over a raw socket (no client-side path normalisation)."""
    r = RawResponse(port, target, **kw)
    try:
        r.body = r.read_all()
    finally:
        r.close()
    return r


# ---------------------------------------------------------------- the server


class KeelStartError(Exception):
    pass


_ALL_SERVERS = []


@atexit.register
def _stop_leftovers():
    """Last resort (e.g. an interrupted run): nothing keel started outlives pytest."""
    for s in _ALL_SERVERS:
        try:
            s.stop()
        except Exception:
            pass


class KeelServer:
    def __init__(self, root, args=(), workers=2, listen="127.0.0.1:0", env=None):
        self.root = str(root)
        self.env = env  # variables added to keel's environment, or None
        self.args = [
            KEEL_BIN,
            "serve",
            "--root",
            self.root,
            "--listen",
            listen,
            "--workers",
            str(workers),
            *[str(a) for a in args],
        ]
        self.proc = None
        self.pid = None
        self.port = None
        self.url = None
        self.log_lines = []
        self.stdout_lines = []
        self._cond = threading.Condition()
        self._threads = []
        self._seen = {}  # every descendant ever observed: pid -> starttime

    # -- lifecycle

    def start(self, timeout=START_TIMEOUT, until_ready=True):
        """Starts keel and waits for its ready line, or (until_ready False)
        only until it accepts: a generation may still boot or be failing."""
        line_re = READY_RE if until_ready else LISTENING_RE
        if not os.path.exists(KEEL_BIN):
            pytest.fail(f"keel binary not found at {KEEL_BIN} (set KEEL_BIN)")
        _ALL_SERVERS.append(self)
        self.proc = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            env=None if self.env is None else {**os.environ, **self.env},
        )
        self.pid = self.proc.pid
        for stream, sink in ((self.proc.stderr, self.log_lines), (self.proc.stdout, self.stdout_lines)):
            t = threading.Thread(target=self._drain, args=(stream, sink), daemon=True)
            t.start()
            self._threads.append(t)
        end = deadline_after(timeout)
        with self._cond:
            while True:
                for line in self.log_lines:
                    m = line_re.search(line)
                    if m:
                        self.port = int(m.group(1))
                        self.url = f"http://127.0.0.1:{self.port}"
                        return self
                if self.proc.poll() is not None and all(not t.is_alive() for t in self._threads):
                    raise KeelStartError(
                        f"keel exited with {self.proc.returncode} before ready; stderr:\n" + self.log_text()
                    )
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise KeelStartError(f"no ready line within {timeout:.0f}s; stderr:\n" + self.log_text())
                self._cond.wait(min(remaining, 0.2))

    def _drain(self, stream, sink):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            with self._cond:
                sink.append(line)
                self._cond.notify_all()
        stream.close()
        with self._cond:
            self._cond.notify_all()

    def log_text(self):
        with self._cond:
            return "\n".join(self.log_lines)

    def wait_log(self, pattern, timeout=REQ_TIMEOUT):
        """Waits for a stderr line matching the regex; returns it."""
        rx = re.compile(pattern)
        end = deadline_after(timeout)
        with self._cond:
            while True:
                for line in self.log_lines:
                    if rx.search(line):
                        return line
                remaining = end - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no log line matching {pattern!r}; log:\n" + "\n".join(self.log_lines))
                self._cond.wait(min(remaining, 0.2))

    def admin_port(self):
        """The port the admin listener took (--admin 127.0.0.1:0), from the log."""
        pattern = r"admin: http://127\.0\.0\.1:(\d+)"
        return int(re.search(pattern, self.wait_log(pattern)).group(1))

    def descendants(self):
        d = descendants_of(self.pid) if self.pid else {}
        self._seen.update(d)
        return d

    def wait_exit(self, timeout=EXIT_TIMEOUT):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"keel (pid {self.pid}) did not exit within {timeout:.0f}s")

    def stop(self):
        """Ends keel and everything it started, whatever state it is in."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.descendants()
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(5 * SCALE)
            except subprocess.TimeoutExpired:
                self.descendants()
                self.proc.kill()
                self.proc.wait(10)
        # Anything keel left behind (only pids we saw below keel, checked
        # against their start time so a reused pid is never touched).
        for pid, start in list(self._seen.items()):
            if pid_alive(pid, start):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for t in self._threads:
            t.join(5)

    def sanitizer_errors(self):
        text = self.log_text()
        return [l for l in text.splitlines() if "ERROR: AddressSanitizer" in l or "runtime error:" in l
                or "ERROR: LeakSanitizer" in l]

    # -- convenience

    def get(self, target, **kw):
        return get(self.port, target, **kw)

    def stream(self, target, **kw):
        return RawResponse(self.port, target, **kw)


def _server_factory():
    """Yields start(root, *args, workers=N) -> started KeelServer; stops
    every server it started when resumed, failing on sanitizer reports."""
    servers = []

    def start(root, *args, workers=2, env=None):
        s = KeelServer(root, args, workers=workers, env=env)
        servers.append(s)
        s.start()
        return s

    yield start
    errors = []
    for s in servers:
        s.stop()
        errors += s.sanitizer_errors()
    if errors:
        pytest.fail("sanitizer reports in keel's stderr:\n" + "\n".join(errors))


@pytest.fixture
def keel():
    """Factory: keel(root, *args, workers=N, env={...}) -> started KeelServer.
    Every server started through it is stopped at the end of the test."""
    yield from _server_factory()


@pytest.fixture(scope="module")
def module_keel():
    """Like `keel`, but servers live for the whole module."""
    yield from _server_factory()


def app_dir(name):
    return APPS / name


def copy_app(name, dest):
    """Copies apps/<name> to dest (a fresh directory) and returns it."""
    dest = Path(dest)
    shutil.copytree(APPS / name, dest, symlinks=True)
    return dest


@pytest.fixture
def app_copy(tmp_path):
    def make(name):
        return copy_app(name, tmp_path / f"root-{name}")

    return make


class Release:
    """A release file for the hold.php fixture scripts: the script waits
    (bounded) until the file exists."""

    def __init__(self, directory, name="release"):
        self.path = Path(directory) / name
        self.query = "file=" + urllib.parse.quote(str(self.path), safe="/") + f"&max={HOLD_MAX:.0f}"

    def fire(self):
        self.path.write_text("go")


@pytest.fixture
def release(tmp_path):
    n = [0]

    def make():
        n[0] += 1
        return Release(tmp_path, f"release-{n[0]}")

    return make
