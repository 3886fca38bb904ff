"""Debian's own PHP applications, which put symlinks in their web roots.

phpMyAdmin (/usr/share/phpmyadmin) links jQuery, jQuery UI and CodeMirror
into /usr/share/javascript; MediaWiki's web root (/var/lib/mediawiki) is
made of links into /usr/share/mediawiki. keel's default (`--symlinks
within-root`) refuses all of them, and says why in its log once per path;
`--symlinks owner` (Apache's SymLinksIfOwnerMatch, what Debian's own
Apache configuration of phpMyAdmin sets) serves both applications.

The packages come from scripts/install-deps.sh; MediaWiki is installed with
its own installer on SQLite into a temporary directory, and found there
through `--env MW_CONFIG_FILE=...`.
"""

import os
import re
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from conftest import REQ_TIMEOUT, START_TIMEOUT

PMA = Path("/usr/share/phpmyadmin")
MEDIAWIKI = Path("/var/lib/mediawiki")


def need(path, package):
    if not path.exists():
        pytest.fail(f"{path} is missing: install Debian's {package} (scripts/install-deps.sh)")


def assets_of(html):
    """The stylesheets and scripts a page links, as root-relative paths
    without their query."""
    found = re.findall(r'(?:src|href)="(?:\./)?((?:js|themes)/[^"?]+\.(?:js|css))(?:\?[^"]*)?"', html)
    return sorted(set(found))


def test_phpmyadmin_assets_need_owner_symlinks(keel):
    need(PMA / "index.php", "phpmyadmin")
    refused = keel(PMA, workers=1)
    page = refused.get("/")
    assert page.status == 200, page.body[:300]
    assets = assets_of(page.body.decode())
    linked = [a for a in assets if (PMA / a).resolve() != PMA / a and not str((PMA / a).resolve()).startswith(
        str(PMA) + "/")]
    # jQuery and CodeMirror among them, as Debian packages them
    assert "js/vendor/jquery/jquery.min.js" in linked, assets
    assert any(a.startswith("js/vendor/codemirror/") for a in linked), assets
    for a in linked:
        assert refused.get("/" + a).status == 403, a
    # asked for twice, logged once, with the reason and where the link leads
    refused.get("/js/vendor/jquery/jquery.min.js")
    line = refused.wait_log(r"warn .*403 /js/vendor/jquery/jquery\.min\.js: a symlink leads out of the root")
    assert "/usr/share/javascript/jquery/jquery.min.js" in line, line
    assert len([l for l in refused.log_lines if "403 /js/vendor/jquery/jquery.min.js:" in l]) == 1

    served = keel(PMA, "--symlinks", "owner", workers=1)
    page = served.get("/")
    assert page.status == 200 and b"phpMyAdmin" in page.body, page.body[:300]
    for a in assets_of(page.body.decode()):
        r = served.get("/" + a)
        assert r.status == 200, (a, r.status)
        assert r.body == (PMA / a).read_bytes(), a
    assert not [l for l in served.log_lines if " 403 " in l], served.log_text()


@pytest.fixture(scope="module")
def wiki(tmp_path_factory):
    """A MediaWiki installed on SQLite by its own installer; its settings
    file, which keel's MediaWiki finds through MW_CONFIG_FILE."""
    need(MEDIAWIKI / "index.php", "mediawiki")
    d = tmp_path_factory.mktemp("mediawiki")
    p = subprocess.run(
        ["php", "/usr/share/mediawiki/maintenance/install.php", "--dbtype", "sqlite", "--dbpath", str(d / "data"),
         "--dbname", "keelwiki", "--server", "http://127.0.0.1", "--scriptpath", "", "--pass",
         "a long enough password for the admin", "--confpath", str(d), "Keel Test Wiki", "Admin"],
        capture_output=True, text=True, timeout=START_TIMEOUT * 6)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    settings = d / "LocalSettings.php"
    # the host and port the request came to, as keel's port is free-chosen
    with settings.open("a") as f:
        f.write("\n$wgServer = WebRequest::detectServer();\n")
    yield settings
    shutil.rmtree(d, ignore_errors=True)


def test_mediawiki_pages_need_owner_symlinks(keel, wiki):
    env = ("--env", f"MW_CONFIG_FILE={wiki}")
    refused = keel(MEDIAWIKI, *env, workers=1)
    assert refused.get("/index.php?title=Main_Page").status == 403
    refused.wait_log(r"warn .*403 /index.php: a symlink leads out of the root .*/usr/share/mediawiki/index\.php")

    s = keel(MEDIAWIKI, "--symlinks", "owner", *env, workers=1)
    r = s.get("/index.php?title=Main_Page")
    assert r.status == 200, r.body[:500]
    html = r.body.decode()
    assert "<title>Keel Test Wiki</title>" in html and '"wgPageName":"Main_Page"' in html, html[:500]
    assert "MediaWiki has been installed" in html, html[-2000:]
    # another page, the edit form, through the same link
    r = s.get("/index.php?title=Main_Page&action=edit")
    assert r.status == 200 and 'id="wpTextbox1"' in r.body.decode(), r.body[:300]
    # ResourceLoader's entry point and a static asset behind a directory link
    r = s.get("/load.php?modules=startup&only=scripts&raw=1")
    assert r.status == 200 and b"mw.loader" in r.body, r.body[:200]
    png = "resources/assets/poweredby_mediawiki_88x31.png"
    r = s.get("/" + png)
    assert r.status == 200 and r.body == (MEDIAWIKI / png).read_bytes()
    assert not [l for l in s.log_lines if " 403 " in l], s.log_text()


def test_owner_refuses_a_link_whose_target_has_another_owner(keel, tmp_path):
    """`owner` follows a link out of the root only when the link's owner
    owns what it leads to; `follow` follows it anyway."""
    if os.geteuid() != 0:
        pytest.fail("the test changes a file's owner: run it as root")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "theirs.css").write_text("theirs\n")
    (outside / "ours.css").write_text("ours\n")
    os.chown(outside / "theirs.css", 65534, 65534)
    root = tmp_path / "root"
    root.mkdir()
    (root / "index.php").write_text("<?php echo 'hi';")
    os.symlink(outside / "theirs.css", root / "theirs.css")
    os.symlink(outside / "ours.css", root / "ours.css")
    s = keel(root, "--symlinks", "owner", workers=1)
    assert s.get("/ours.css").status == 200
    assert s.get("/theirs.css").status == 403
    s.wait_log(r"403 /theirs.css: a symlink leads out of the root and is not owned by its target's owner")
    f = keel(root, "--symlinks", "follow", workers=1)
    assert f.get("/theirs.css").body == b"theirs\n"
    # dotfiles and PHP source stay refused wherever a link leads
    (outside / ".env").write_text("SECRET=1\n")
    os.symlink(outside / ".env", root / "env.txt")
    os.symlink(outside / "ours.css", root / "style.php.txt")
    assert f.get("/env.txt").status == 403
    f.wait_log(r"403 /env.txt: a symlink leads to a dotfile")
