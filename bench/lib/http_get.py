#!/usr/bin/python3
"""One HTTP GET, for readiness checks and for comparing servers' answers.

Usage: http_get.py URL [--quiet]

Writes the response body to stdout unless --quiet. Exit status:
    0  the server answered 200
    1  it answered with another status (printed on stderr)
    2  no answer (refused, reset, timed out)
A short timeout keeps a polling loop bounded even if a server accepts the
connection and then never answers.
"""
import http.client
import sys
import urllib.parse


def main(argv):
    quiet = "--quiet" in argv
    args = [a for a in argv if a != "--quiet"]
    if len(args) != 1:
        sys.stderr.write("usage: http_get.py URL [--quiet]\n")
        return 2
    url = urllib.parse.urlsplit(args[0])
    path = url.path or "/"
    if url.query:
        path += "?" + url.query
    conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=2)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, http.client.HTTPException):
        return 2
    finally:
        conn.close()
    if not quiet:
        sys.stdout.buffer.write(body)
    if resp.status != 200:
        sys.stderr.write(f"http_get.py: {args[0]} answered {resp.status}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
