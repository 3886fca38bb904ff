"""HTTP/2 in cleartext, as curl speaks it: with prior knowledge, and as an
upgrade from HTTP/1.1 (which goes through the same connection handling as
HTTP/1, see src/front/read_park.c)."""

import hashlib
import json
import subprocess

import pytest

from conftest import REQ_TIMEOUT, app_dir


@pytest.fixture(scope="module")
def server(module_keel):
    return module_keel(app_dir("php"), workers=2)


def curl(server, path, *args):
    """Runs curl; returns (HTTP version, status, body)."""
    out = subprocess.run(
        ["curl", "-sS", "--max-time", str(REQ_TIMEOUT), "-o", "-", "-w", "\n%{http_version} %{http_code}", *args,
         f"http://127.0.0.1:{server.port}{path}"],
        capture_output=True, timeout=REQ_TIMEOUT * 2)
    assert out.returncode == 0, out.stderr.decode()
    body, _, tail = out.stdout.rpartition(b"\n")
    version, code = tail.decode().split()
    return version, int(code), body


@pytest.mark.parametrize("mode", ["--http2-prior-knowledge", "--http2"])
def test_php_over_http2(server, mode):
    version, code, body = curl(server, "/status.php?code=200", mode)
    assert (version, code) == ("2", 200)
    assert body == b"status-body\n"


@pytest.mark.parametrize("mode", ["--http2-prior-knowledge", "--http2"])
def test_request_body_over_http2(server, mode, tmp_path):
    payload = bytes(range(256)) * 300
    (tmp_path / "body").write_bytes(payload)
    version, code, body = curl(server, "/bodyhash.php", mode, "--data-binary", f"@{tmp_path / 'body'}",
                               "-H", "Content-Type: application/octet-stream")
    assert (version, code) == ("2", 200)
    assert json.loads(body) == {"len": len(payload), "sha1": hashlib.sha1(payload).hexdigest()}



@pytest.mark.parametrize("mode", ["--http1.1", "--http2-prior-knowledge"])
def test_content_length_header_reaches_php_as_over_http1(server, mode):
    version, code, body = curl(server, "/vars.php", mode, "--data-binary", "a=12345")
    assert code == 200
    seen = json.loads(body)
    assert seen["POST"] == {"a": "12345"}
    assert seen["HTTP"]["HTTP_CONTENT_LENGTH"] == "7"
    assert seen["CONTENT_LENGTH"] == "7"


def test_client_cannot_pose_as_keels_header_copies_over_http2(server):
    version, code, body = curl(server, "/vars.php", "--http2-prior-knowledge",
                               "-H", "X-Keel-Content-Length: 99", "-H", "x-keel-expect: 100-continue")
    assert (version, code) == ("2", 200)
    seen = json.loads(body)["HTTP"]
    assert "HTTP_CONTENT_LENGTH" not in seen and "HTTP_EXPECT" not in seen, seen
    assert not any(k.startswith("HTTP_X_KEEL") for k in seen), seen


@pytest.mark.parametrize("mode", ["--http1.1", "--http2-prior-knowledge"])
def test_other_x_keel_names_pass_as_they_came(server, mode):
    version, code, body = curl(server, "/vars.php", mode, "-H", "X-Keel-Host: evil.example", "-H", "X-Keel-Foo: bar")
    assert code == 200
    seen = json.loads(body)["HTTP"]
    assert seen["HTTP_HOST"] == f"127.0.0.1:{server.port}"
    assert seen["HTTP_X_KEEL_HOST"] == "evil.example"
    assert seen["HTTP_X_KEEL_FOO"] == "bar"
    assert "HTTP_FOO" not in seen
