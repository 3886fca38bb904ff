"""--user and --group: the front binds as root and stays root, PHP (the
zygote and its workers) runs as the user given, and cannot signal the
front. Bad names, and paths that user cannot use, are refused before
anything is bound (one line, exit code 2). Started as root without --user,
keel says that PHP runs as root."""

import grp
import json
import os
import pwd
import subprocess

import pytest

from conftest import EXIT_TIMEOUT, KEEL_BIN, READY_RE, app_dir, proc_stat

APP = app_dir("hostile")

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")


def nobody():
    return pwd.getpwnam("nobody")


def uid_of(pid):
    """The real uid of a process, from /proc."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


def refused(*args, user=None):
    """Runs keel serve with args (as `user` when given) and expects one
    line on stderr and exit code 2; returns that line."""
    cmd = [KEEL_BIN, "serve", "--listen", "127.0.0.1:0", "--admin", "off", *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *cmd]
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=EXIT_TIMEOUT,
                         start_new_session=True)
    err = res.stderr.decode(errors="replace")
    lines = [l for l in err.splitlines() if l.strip()]
    assert res.returncode == 2, f"exit code {res.returncode}, stderr: {err!r}"
    assert len(lines) == 1, f"expected one line on stderr, got {lines!r}"
    assert not READY_RE.search(err)
    return lines[0]


@root_only
def test_php_runs_as_the_user_and_cannot_signal_the_front(keel):
    who = nobody()
    s = keel(APP, "--admin", "off", "--user", "nobody", workers=1)
    r = s.get(f"/whoami.php?front={s.pid}")
    assert r.status == 200, (r.status, r.body[:300])
    seen = json.loads(r.body)
    assert seen["uid"] == seen["euid"] == who.pw_uid, seen
    assert seen["gid"] == who.pw_gid, seen
    assert 0 not in seen["groups"], seen
    assert seen["signal_front"] is False and seen["signal_errno"] == 1, f"PHP could signal the front: {seen}"
    assert seen["setuid_root"] is False, seen
    # the front stays root; the zygote and the worker are nobody
    assert uid_of(s.pid) == 0
    family = s.descendants()
    assert family, "no zygote or worker under the front"
    assert {uid_of(p) for p in family if proc_stat(p)} == {who.pw_uid}
    # and what PHP needs still works as that user: OPcache, sessions' dir
    # aside, a plain request after the first
    assert s.get("/pid.php").status == 200


@root_only
def test_group_is_the_users_unless_given(keel):
    group = grp.getgrnam("nogroup") if "nogroup" in [g.gr_name for g in grp.getgrall()] else None
    if group is None:
        pytest.skip("no group named nogroup")
    s = keel(APP, "--admin", "off", "--user", str(nobody().pw_uid), "--group", "nogroup", workers=1)
    seen = json.loads(s.get(f"/whoami.php?front={s.pid}").body)
    assert seen["uid"] == nobody().pw_uid and seen["gid"] == group.gr_gid, seen


@root_only
def test_root_without_user_is_said(keel):
    s = keel(APP, "--admin", "off", workers=1)
    s.wait_log(r"warn .*running as root without --user: PHP runs as root too")
    t = keel(APP, "--admin", "off", "--user", "root", workers=1)
    assert "without --user" not in t.log_text()


@pytest.mark.parametrize("args,needle", [
    (["--user", "keel-no-such-user"], "--user keel-no-such-user: no such user"),
    (["--user", "nobody", "--group", "keel-no-such-group"], "--group keel-no-such-group: no such group"),
    (["--group", "nogroup"], "--group nogroup needs --user"),
], ids=["unknown-user", "unknown-group", "group-without-user"])
def test_bad_user_or_group_is_refused(args, needle):
    line = refused("--root", str(APP), *args)
    assert needle in line, line


@root_only
def test_paths_the_user_cannot_use_are_refused(tmp_path):
    private = tmp_path / "private"  # pytest's tmp_path is root's alone
    private.mkdir(mode=0o700)
    (private / "index.php").write_text("<?php echo 1;")
    line = refused("--root", str(private), "--user", "nobody")
    assert f"--root {private}: PHP runs as nobody (--user), who cannot read it" in line, line
    cores = tmp_path / "cores"
    cores.mkdir(mode=0o755)
    line = refused("--root", str(APP), "--user", "nobody", "--core-dir", str(cores))
    assert f"--core-dir {cores}: PHP runs as nobody (--user), who cannot write into it" in line, line


@root_only
def test_only_root_can_switch_users():
    line = refused("--root", str(APP), "--user", "root", user=nobody())
    assert "--user root: only root can run PHP as another user" in line, line
