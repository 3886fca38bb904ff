"""Differential harness: the same request to keel and to nginx + php-fpm,
compared byte for byte after explicit normalisation (compare.py).

One keel + one reference pair per ini profile (diffharness.PROFILES),
started lazily and shared by the session; everything is stopped at the end,
also on failure or Ctrl-C (fixture finaliser, plus atexit as a last resort).

Run:  KEEL_BIN=/work/main/build/keel /usr/bin/python3 -m pytest -q tests/differential
Env:  KEEL_DIFF_REPORT=FILE  append every case's differences as JSON lines
      KEEL_DIFF_KEEP=1       keep the temp dir (app copy, logs) after the run
"""

import atexit

import pytest

# pytest's default (prepend) import mode puts this directory on sys.path, so
# the helper modules here import by name. Nothing is inserted in front of
# sys.path by hand: tests/integration imports its own `conftest` by name.
from diffharness import Servers

_SERVERS = []


@atexit.register
def _last_resort():
    for s in _SERVERS:
        s.stop()


@pytest.fixture(scope="session")
def srv():
    s = Servers()
    _SERVERS.append(s)
    try:
        yield s
    finally:
        s.stop()


