"""Issuance against pebble, answered by keel's ACME client: HTTP-01 and
TLS-ALPN-01, what is kept in the state directory, and what a restart
reuses."""

import os
import stat
from pathlib import Path

from conftest import EXIT_TIMEOUT, cert_field, fd_flags, verify_chain

O_CLOEXEC = 0o2000000


def test_http01_issues_one_certificate_for_two_names(acme_env, tmp_path):
    env = acme_env.start()
    r = env.responder(["www.keel.test,keel.test"], tls=False)
    _, cert = r.wait_certificate()
    assert cert["name"] == "www.keel.test"
    assert cert["names"] == "www.keel.test,keel.test"
    assert cert["issued_now"] == "1"
    # pebble fetched each name's key authorization from the client's lookup
    answered = r.matching(r"^http-01 /\.well-known/acme-challenge/(\S+) answered$")
    assert len({m.group(1) for m in answered}) == 2, r.text()
    r.wait_line(r"acme: www\.keel\.test: answering http-01", 1, stream="err")
    r.wait_line(r"acme: keel\.test: answering http-01", 1, stream="err")
    san = cert_field(cert["chain"], "-ext", "subjectAltName")
    assert "DNS:www.keel.test" in san and "DNS:keel.test" in san
    verify_chain(cert["chain"], env.pebble.roots_pem(), tmp_path)
    # the challenge is withdrawn once decided: the token now gets 404
    token = answered[0].group(1)
    import socket

    with socket.create_connection(env.http.getsockname(), timeout=10) as s:
        s.sendall(f"GET /.well-known/acme-challenge/{token} HTTP/1.1\r\nHost: keel.test\r\nConnection: close\r\n\r\n"
                  .encode())
        reply = b""
        while chunk := s.recv(4096):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 404"), reply


def test_tls_alpn01_issues_a_certificate(acme_env, tmp_path):
    env = acme_env.start()
    r = env.responder(["alpn.keel.test"], http=False)
    _, cert = r.wait_certificate()
    assert cert["names"] == "alpn.keel.test"
    # pebble connected offering acme-tls/1 for the name, got the client's
    # challenge certificate and completed the handshake with that protocol
    assert r.matching(r"^tls-alpn-01 alpn\.keel\.test offers=1 answered$"), r.text()
    assert r.matching(r"^tls-alpn-01 handshake done alpn=acme-tls/1$"), r.text()
    assert not r.matching(r"^http-01 ")
    assert "DNS:alpn.keel.test" in cert_field(cert["chain"], "-ext", "subjectAltName")
    verify_chain(cert["chain"], env.pebble.roots_pem(), tmp_path)


def test_state_directory_is_private_and_reused_after_a_restart(acme_env, tmp_path):
    env = acme_env.start()
    state = tmp_path / "state"
    r = env.responder(["one.keel.test"], state_dir=state)
    _, first = r.wait_certificate()
    _, m = r.wait_line(r"acme: account (\S+) \(registered\)", 1, stream="err")
    account = m.group(1)
    account_key = next(state.glob("acme/*/account.key"))
    key_before = account_key.read_bytes()
    assert r.terminate() == 0
    r.wait_line(r"^stopped$", EXIT_TIMEOUT)

    # directories 0700, files 0600
    for p in [state, *state.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        if p.is_dir():
            assert mode == 0o700, f"{p}: {oct(mode)}"
        else:
            assert mode == 0o600, f"{p}: {oct(mode)}"
    assert Path(first["chain"]).parent.name == "one.keel.test"
    assert Path(first["key"]).is_file()

    # a restart serves the kept certificate at once, without asking the CA,
    # and a new name is ordered with the same account
    r2 = env.responder(["one.keel.test", "two.keel.test"], state_dir=state)
    i, again = r2.wait_certificate()
    assert again["name"] == "one.keel.test" and again["issued_now"] == "0"
    assert again["serial"] == first["serial"]
    _, second = r2.wait_certificate(start=i + 1)
    assert second["name"] == "two.keel.test" and second["issued_now"] == "1"
    r2.wait_line(r"acme: account " + account.replace(".", r"\.") + r" \(already registered\)", 1, stream="err")
    assert not r2.matching(r"one\.keel\.test: (ordering|renewing)", stream="err")
    assert account_key.read_bytes() == key_before


def test_every_descriptor_of_the_client_is_close_on_exec(acme_env):
    env = acme_env.start()
    r = env.responder(["fds.keel.test"])
    r.wait_certificate()
    passed = {env.http.fileno(), env.tls.fileno()}
    leaky = {
        fd: target
        for fd, (flags, target) in fd_flags(r.pid).items()
        if fd > 2 and not flags & O_CLOEXEC and fd not in passed
    }
    assert not leaky, f"descriptors without O_CLOEXEC: {leaky}"


def test_a_bad_configuration_is_one_line_and_exit_2(acme_env, tmp_path):
    env = acme_env.start()
    import subprocess

    from conftest import RESPONDER

    for args, words in (
        (["--acme-domain", "*.keel.test"], "not a host name"),
        (["--acme-domain", "a.keel.test,a.keel.test"], "named twice"),
        (["--acme-domain", "a.keel.test", "--acme-domain", "b.keel.test,a.keel.test"], "named twice"),
        (["--acme-domain", "a.keel.test", "--acme-ca-root", tmp_path / "missing.pem"], "--acme-ca-root"),
        (["--acme-domain", "a.keel.test", "--state-dir", "/proc/keel"], "--state-dir"),
        (["--acme-domain", "a.keel.test", "--acme-directory", "http://127.0.0.1:1/dir"], "https://"),
    ):
        cmd = [RESPONDER, "--acme-directory", env.pebble.directory, "--acme-ca-root", env.pebble.ca_root,
               "--state-dir", tmp_path / "bad", "--http-fd", env.http.fileno(), *args]
        p = subprocess.run([str(a) for a in cmd], capture_output=True, timeout=EXIT_TIMEOUT,
                           pass_fds=[env.http.fileno()])
        err = p.stderr.decode()
        assert p.returncode == 2, (args, err)
        assert len(err.strip().splitlines()) == 1 and words in err, (args, err)


def test_stopping_while_the_ca_validates_ends_cleanly(acme_env):
    env = acme_env.start()
    # pebble's validation connects to a socket that never answers, so the
    # order is still being decided when the client is told to stop
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.3", env.http.getsockname()[1]))
    silent.listen(16)
    try:
        env.pebble.dns("/add-a", {"host": "slow.keel.test.", "addresses": ["127.0.0.3"]})
        r = env.responder(["slow.keel.test"], tls=False)
        r.wait_line(r"acme: slow\.keel\.test: answering http-01", 30, stream="err")
        assert r.terminate() == 0
        r.wait_line(r"^stopped$", EXIT_TIMEOUT)
        assert not r.certificates()
    finally:
        silent.close()
