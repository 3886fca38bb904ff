"""Comparison of a reference (nginx + php-fpm) response with keel's.

A difference is reported under a key:
    status, reason, version          the status line
    header:<lower-case name>         a response header (all its values, in order)
    body                             raw body bytes (when not JSON on both sides)
    json:<path>                      a value inside a JSON body (path like server.PATH_INFO)
    interim                          1xx answers (100 Continue) received or not
    <other>                          keys a test adds itself (e.g. side:<field>)

Everything not normalised below is compared exactly. Each normalisation
says why the value legitimately differs.
"""

import json
import re

# Response headers that legitimately differ between the two servers:
#   date              the clock
#   server            "nginx/1.22.1" vs keel's; the product name is the point
#   connection,
#   keep-alive        connection management of the front, invisible to PHP
#   content-length,
#   transfer-encoding framing: nginx buffers FastCGI output and may chunk
#                     where keel sends a length or the reverse; the decoded
#                     bodies are compared instead.
IGNORED_HEADERS = {"date", "server", "connection", "keep-alive", "content-length", "transfer-encoding"}

# X-Powered-By: "PHP/8.2.x". Both load the same libphp build today, but the
# fpm and embed packages are versioned separately by Debian, so only the
# "PHP/8.2." prefix is required to match.
XPB_RE = re.compile(r"^PHP/8\.2\.\d+.*$")


def normalise_headers(resp, static=False):
    out = {}
    for name, value in resp.headers:
        n = name.lower()
        if n in IGNORED_HEADERS:
            continue
        if n == "x-powered-by" and XPB_RE.match(value):
            value = "PHP/8.2.<version>"
        if n == "set-cookie":
            # Session ids are random per server.
            value = re.sub(r"^(PHPSESSID=)[A-Za-z0-9,-]+", r"\1<sid>", value)
        if static and n == "etag":
            # Static files only: nginx's ETag is "<mtime hex>-<size hex>";
            # h2o's format is its own. Presence and quoting are compared,
            # and the If-None-Match cases check each server honours its
            # own tag.
            value = "<etag>" if re.fullmatch(r'(W/)?"[^"]*"', value) else value
        out.setdefault(n, []).append(value)
    return out


def _json_or_none(body):
    if body is None:
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def normalise_server(server, port, errors, label):
    """Normalises the $_SERVER dump of one side in place."""
    if not isinstance(server, dict):
        return
    # REMOTE_PORT: the client's ephemeral port, different per connection.
    if "REMOTE_PORT" in server:
        if not re.fullmatch(r"\d+", str(server["REMOTE_PORT"])):
            errors.append(f"{label}: REMOTE_PORT not numeric: {server['REMOTE_PORT']!r}")
        server["REMOTE_PORT"] = "<port>"
    # SERVER_PORT: each server listens on its own port; it must be that port.
    if "SERVER_PORT" in server:
        if str(server["SERVER_PORT"]) != str(port):
            errors.append(f"{label}: SERVER_PORT {server['SERVER_PORT']!r} is not the listening port {port}")
        server["SERVER_PORT"] = "<port>"
    # SERVER_SOFTWARE: "nginx/1.22.1" vs "keel/x"; presence is compared.
    if "SERVER_SOFTWARE" in server:
        if not server["SERVER_SOFTWARE"]:
            errors.append(f"{label}: SERVER_SOFTWARE empty")
        server["SERVER_SOFTWARE"] = "<software>"
    # REQUEST_TIME(_FLOAT): the clock; the type is compared (dump's 'types').
    for k in ("REQUEST_TIME", "REQUEST_TIME_FLOAT"):
        if k in server:
            server[k] = "<time>"
    # USER, HOME: php-fpm exports the pool user's USER and HOME into the
    # environment it hands each request (fpm_env.c); they describe the pool's
    # unix account, not the request. keel is started with a minimal
    # environment, so any other environment key it leaked would still show.
    for k in ("USER", "HOME"):
        server.pop(k, None)
    # X-Token: the per-server token of side-effect cases.
    if "HTTP_X_TOKEN" in server:
        server["HTTP_X_TOKEN"] = "<token>"


def normalise_getenv_keys(keys):
    """getenv() without arguments: the process environment plus the request
    parameters. The order is each server's parameter order (nginx's
    fastcgi_params file vs keel's), and USER/HOME/PATH come from each
    process's own environment (php-fpm sets the pool user's, keel inherits
    its caller's): compare the set of request keys."""
    return sorted(k for k in keys if k not in ("USER", "HOME", "PATH"))


def normalise_json(doc, port, errors, label):
    if isinstance(doc, dict) and isinstance(doc.get("getenv_keys"), list):
        doc["getenv_keys"] = normalise_getenv_keys(doc["getenv_keys"])
    if isinstance(doc, dict):
        if isinstance(doc.get("server"), dict):
            normalise_server(doc["server"], port, errors, label)
        for k in ("headers", "getallheaders", "apache_request_headers"):
            if isinstance(doc.get(k), dict) and "X-Token" in doc[k]:
                doc[k]["X-Token"] = "<token>"
    return doc


def diff_json(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            p = f"{path}.{k}" if path else str(k)
            if k not in a:
                out.append((f"json:{p}", "<absent>", b[k]))
            elif k not in b:
                out.append((f"json:{p}", a[k], "<absent>"))
            else:
                diff_json(a[k], b[k], p, out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            diff_json(x, y, f"{path}[{i}]", out)
    elif a != b or type(a) is not type(b):
        out.append((f"json:{path}", a, b))


def _short(v, n=300):
    s = repr(v)
    return s if len(s) <= n else s[:n] + f"...({len(s)} chars)"


def diff_bodies(ref_body, keel_body, ref_port, keel_port, out, errors):
    ja, jb = _json_or_none(ref_body), _json_or_none(keel_body)
    if ja is not None and jb is not None and isinstance(ja, (dict, list)):
        normalise_json(ja, ref_port, errors, "reference")
        normalise_json(jb, keel_port, errors, "keel")
        diff_json(ja, jb, "", out)
        return
    if ref_body != keel_body:
        i = 0
        n = min(len(ref_body), len(keel_body))
        while i < n and ref_body[i] == keel_body[i]:
            i += 1
        out.append(("body", f"{len(ref_body)}B {_short(ref_body[max(0, i - 40):i + 200])} (from offset {max(0, i - 40)})",
                    f"{len(keel_body)}B {_short(keel_body[max(0, i - 40):i + 200])}"))


def diff_responses(ref, keel, ref_port, keel_port, static=False, compare_body=True, compare_interim=True):
    """Returns (differences, harness_errors). differences: [(key, ref, keel)]."""
    out, errors = [], []
    if ref.status != keel.status:
        out.append(("status", ref.status, keel.status))
    elif ref.reason != keel.reason:
        out.append(("reason", ref.reason, keel.reason))
    if ref.version != keel.version:
        out.append(("version", ref.version, keel.version))
    ha, hb = normalise_headers(ref, static), normalise_headers(keel, static)
    # Location of a front-generated redirect carries each server's own
    # listening port (nginx's port_in_redirect; keel does the same): compare
    # the rest.
    for h, port in ((ha, ref_port), (hb, keel_port)):
        if "location" in h:
            h["location"] = [v.replace(f":{port}/", ":<port>/") for v in h["location"]]
    for name in sorted(set(ha) | set(hb)):
        va, vb = ha.get(name, ["<absent>"]), hb.get(name, ["<absent>"])
        if va != vb:
            out.append((f"header:{name}", va if len(va) > 1 else va[0], vb if len(vb) > 1 else vb[0]))
    if compare_interim:
        ia = [s for s, _, _ in ref.interim]
        ib = [s for s, _, _ in keel.interim]
        if ia != ib:
            out.append(("interim", ia, ib))
    if compare_body:
        if ref.body is None or keel.body is None:  # hashed bodies
            if (ref.body_len, ref.body_md5) != (keel.body_len, keel.body_md5):
                out.append(("body", f"{ref.body_len}B md5 {ref.body_md5}", f"{keel.body_len}B md5 {keel.body_md5}"))
        else:
            diff_bodies(ref.body, keel.body, ref_port, keel_port, out, errors)
    return out, errors


def format_diffs(diffs):
    return "\n".join(f"  {k}: reference={_short(a)} keel={_short(b)}" for k, a, b in diffs)
