"""Routing, like nginx `try_files $uri $uri/ /index.php`, and what must
never be served: PHP source, dotfiles, anything outside the root."""

import json
import os

import pytest
import requests

from conftest import REQ_TIMEOUT, copy_app

OUTSIDE_MARKER = "OUTSIDE-ROOT-SECRET-2d9e"
OUTSIDE_PHP_MARKER = "OUTSIDE-PHP-RAN-8a0b"
GIT_MARKER = "GIT-CONFIG-SECRET-66f0"
SECRET_MARKERS = [
    OUTSIDE_MARKER,
    OUTSIDE_PHP_MARKER,
    GIT_MARKER,
    "DOTENV-SECRET-93b1",
    "HIDDEN-SUB-SECRET-51c2",
    "SOURCE-MARKER",
    "root:x:0:0",
    "PRIVATE-PHP-RAN-77aa",
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A copy of apps/routing, plus things that cannot live in git: a .git
    directory, and symlinks that point outside the root."""
    base = tmp_path_factory.mktemp("routing")
    root = copy_app("routing", base / "root")
    outside = base / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(OUTSIDE_MARKER + "\n")
    (outside / "evil.php").write_text(f"<?php echo '{OUTSIDE_PHP_MARKER[:10]}' . '{OUTSIDE_PHP_MARKER[10:]}';\n")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text(f"[core]\n\t# {GIT_MARKER}\n")
    os.symlink("../outside/secret.txt", root / "link.txt")
    os.symlink("../outside", root / "linkdir")
    os.symlink("../outside/evil.php", root / "evil.php")
    os.symlink("/", root / "sub" / "uplink")
    os.symlink(str(outside / "secret.txt"), root / "sub" / "abs-link.txt")
    return base, root


@pytest.fixture(scope="module")
def server(module_keel, tree):
    _, root = tree
    return module_keel(root, workers=2)


def js(resp):
    assert resp.status == 200, f"status {resp.status}, body {resp.body[:300]!r}"
    return json.loads(resp.body)


def assert_no_secret(resp):
    text = resp.body.decode("latin-1")
    for m in SECRET_MARKERS:
        assert m not in text, f"{m!r} leaked in response to {resp.status}: {text[:300]!r}"
    assert "<?php" not in text


# ------------------------------------------------------------ PHP scripts


def test_php_script_runs(server, tree):
    _, root = tree
    d = js(server.get("/script.php"))
    assert d["script"] == "script"
    assert d["SCRIPT_NAME"] == "/script.php"
    assert d["REQUEST_URI"] == "/script.php"
    assert d["PATH_INFO"] in (None, "")
    assert os.path.realpath(d["SCRIPT_FILENAME"]) == os.path.realpath(root / "script.php")


def test_query_string_reaches_script(server):
    d = js(server.get("/script.php?a=1&b=two"))
    assert d["QUERY_STRING"] == "a=1&b=two"
    assert d["REQUEST_URI"] == "/script.php?a=1&b=two"


def test_path_info(server, tree):
    _, root = tree
    d = js(server.get("/script.php/extra/path"))
    assert d["script"] == "script"
    assert d["PATH_INFO"] == "/extra/path"
    assert d["SCRIPT_NAME"] == "/script.php"
    assert d["REQUEST_URI"] == "/script.php/extra/path"
    assert os.path.realpath(d["SCRIPT_FILENAME"]) == os.path.realpath(root / "script.php")


def test_path_info_is_decoded(server):
    d = js(server.get("/script.php/a%20b/c"))
    assert d["PATH_INFO"] == "/a b/c"
    assert d["REQUEST_URI"] == "/script.php/a%20b/c"


def test_nested_script_with_path_info(server):
    d = js(server.get("/nested/dir/deep.php/x/y"))
    assert d["script"] == "deep"
    assert d["SCRIPT_NAME"] == "/nested/dir/deep.php"
    assert d["PATH_INFO"] == "/x/y"


@pytest.mark.parametrize("target", ["/sub/", "/sub"])
def test_directory_index(server, target):
    r = requests.get(server.url + target, timeout=REQ_TIMEOUT)
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["script"] == "sub-index"
    assert d["SCRIPT_NAME"] == "/sub/index.php"


def test_root_runs_index(server):
    d = js(server.get("/"))
    assert d["script"] == "index"
    assert d["SCRIPT_NAME"] == "/index.php"


@pytest.mark.parametrize("target", ["/missing.php", "/sub/missing.php", "/nested/nope.php/extra"])
def test_missing_php_is_404(server, target):
    r = server.get(target)
    assert r.status == 404, (r.status, r.body[:200])
    assert b'"script"' not in r.body  # not handed to the front controller


# ------------------------------------------------------------ front controller


def test_front_controller_gets_original_uri(server):
    d = js(server.get("/some/route?a=1&b=two"))
    assert d["script"] == "index"
    assert d["SCRIPT_NAME"] == "/index.php"
    assert d["REQUEST_URI"] == "/some/route?a=1&b=two"
    assert d["QUERY_STRING"] == "a=1&b=two"
    assert d["GET"] == {"a": "1", "b": "two"}


def test_front_controller_keeps_encoding(server):
    d = js(server.get("/caf%C3%A9/x%20y?q=%20"))
    assert d["script"] == "index"
    assert d["REQUEST_URI"] == "/caf%C3%A9/x%20y?q=%20"
    assert d["GET"] == {"q": " "}


def test_missing_file_with_extension_goes_to_front_controller(server):
    d = js(server.get("/assets/missing.css"))
    assert d["script"] == "index"
    assert d["REQUEST_URI"] == "/assets/missing.css"


def test_static_file_is_not_routed_to_php(server, tree):
    _, root = tree
    r = server.get("/data.txt")
    assert r.status == 200
    assert r.body == (root / "data.txt").read_bytes()


def test_front_controller_off(keel, tree):
    _, root = tree
    s = keel(root, "--front-controller", "off", workers=1)
    r = s.get("/some/route")
    assert r.status == 404, (r.status, r.body[:200])
    assert b'"script"' not in r.body
    # files and scripts are still served
    assert js(s.get("/script.php"))["script"] == "script"
    assert s.get("/data.txt").body == (root / "data.txt").read_bytes()


def test_custom_front_controller(keel, tree):
    _, root = tree
    s = keel(root, "--front-controller", "router.php", workers=1)
    d = js(s.get("/any/where?k=v"))
    assert d["script"] == "router"
    assert d["SCRIPT_NAME"] == "/router.php"
    assert d["REQUEST_URI"] == "/any/where?k=v"


# ------------------------------------------------------------ never served


@pytest.mark.parametrize(
    "target,headers",
    [
        ("/script.php", {}),
        ("/script.php/", {}),
        ("/script.php/x.txt", {}),
        ("/script.php?download=1", {}),
        ("/nested/dir/deep.php", {}),
        ("/script.php", {"Range": "bytes=0-20"}),
        ("/script.php", {"Accept": "text/plain", "Accept-Encoding": "identity"}),
        ("/scr%69pt.php", {}),
        ("//script.php", {}),
    ],
)
def test_php_source_never_sent(server, target, headers):
    r = server.get(target, headers=headers)
    assert_no_secret(r)
    assert r.status in (200, 206, 400, 403, 404), r.status


@pytest.mark.parametrize(
    "target",
    [
        "/.env",
        "/.git/config",
        "/.git/",
        "/sub/.hidden",
        "/%2eenv",
        "/sub/%2Ehidden",
        "/.env?x=1",
        "/sub//.hidden",
        "/.private/secret.php",
        "/.private/secret.php/x",
        "/.well-known/../.env",
    ],
)
def test_dotfiles_hidden(server, target):
    r = server.get(target)
    assert r.status in (403, 404), (r.status, r.body[:200])
    assert_no_secret(r)


@pytest.mark.parametrize(
    "target",
    [
        "/../etc/passwd",
        "/../../../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/sub/..%2f..%2fetc/passwd",
        "/sub/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/sub/../../outside/secret.txt",
        "/..%2foutside%2fsecret.txt",
        "/%2e%2e%2foutside/secret.txt",
        "/sub/%2e%2e/%2e%2e/outside/secret.txt",
        "/./../outside/secret.txt",
        "/..\\outside\\secret.txt",
        "/..%5coutside%5csecret.txt",
        "/script.php/../../outside/secret.txt",
    ],
)
def test_traversal_refused(server, target):
    r = server.get(target)
    assert r.status in (400, 403, 404), (r.status, r.body[:200])
    assert_no_secret(r)


@pytest.mark.parametrize(
    "target",
    [
        "/link.txt",
        "/linkdir/secret.txt",
        "/linkdir/evil.php",
        "/evil.php",
        "/sub/uplink/etc/passwd",
        "/sub/abs-link.txt",
    ],
)
def test_symlink_out_of_root_refused(server, target):
    r = server.get(target)
    assert r.status in (403, 404), (r.status, r.body[:200])
    assert_no_secret(r)


def test_nul_byte_refused(server):
    r = server.get("/data.txt%00.php")
    assert r.status in (400, 403, 404), r.status
    assert_no_secret(r)


def test_well_known_is_served(server, tree):
    _, root = tree
    r = server.get("/.well-known/acme.txt")
    assert r.status == 200
    assert r.body == (root / ".well-known" / "acme.txt").read_bytes()


@pytest.mark.parametrize("target", ["/%zz", "/a%", "/a%4", "/x%00y"])
def test_bad_percent_encoding_is_400(server, target):
    r = server.get(target)
    assert r.status == 400, (r.status, r.body[:200])


def test_static_file_with_query_string(server, tree):
    _, root = tree
    r = server.get("/data.txt?v=123")
    assert r.status == 200
    assert r.body == (root / "data.txt").read_bytes()


def test_missing_path_under_directory_goes_to_root_front_controller(server):
    d = js(server.get("/sub/not-here"))
    assert d["script"] == "index"
    assert d["SCRIPT_NAME"] == "/index.php"
    assert d["REQUEST_URI"] == "/sub/not-here"


def test_root_given_through_a_symlink(keel, tmp_path):
    """Deploys often point the root at `current -> releases/N`: everything
    under it is inside the root."""
    release_dir = copy_app("routing", tmp_path / "releases" / "1")
    os.symlink(release_dir, tmp_path / "current")
    s = keel(tmp_path / "current", workers=1)
    assert js(s.get("/script.php/p"))["PATH_INFO"] == "/p"
    assert s.get("/data.txt").body == (release_dir / "data.txt").read_bytes()
    assert js(s.get("/sub/"))["script"] == "sub-index"
    assert js(s.get("/front/route"))["script"] == "index"
