"""The request cases that are plain "send this, compare the response".

A case is a dict:
    id        unique name (used by expected_differences.py)
    profile   ini profile (conftest.PROFILES), default "default"
    method, target, headers (list of (name, value) or raw header lines),
    body (bytes), chunked (list of byte chunks), version ("HTTP/1.1"),
    default_headers (bool), raw (complete request bytes),
    hash (compare md5+length of a big body), static (static-file ETag rule),
    expect100 (send the head, wait for 100 Continue, then the body)
"""

import base64

CASES = []


def case(id, target, method="GET", **kw):
    CASES.append(dict(id=id, target=target, method=method, **kw))


def b64(s):
    return base64.b64encode(s.encode()).decode()


def multipart(parts, boundary="----keeldiffBoundary7MA4YWxk", final=True):
    """parts: list of (name, filename or None, content_type or None, data bytes)."""
    out = b""
    for name, filename, ctype, data in parts:
        out += f"--{boundary}\r\n".encode()
        disp = f'Content-Disposition: form-data; name="{name}"'
        if filename is not None:
            disp += f'; filename="{filename}"'
        out += disp.encode() + b"\r\n"
        if ctype:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    if final:
        out += f"--{boundary}--\r\n".encode()
    return out


MP_CT = "multipart/form-data; boundary=----keeldiffBoundary7MA4YWxk"
FORM_CT = ("Content-Type", "application/x-www-form-urlencoded")

# ------------------------------------------------------------ $_SERVER and routing to scripts
case("server_plain", "/dump.php")
case("server_query", "/dump.php?a=1&b=two")
case("server_empty_query", "/dump.php?")
case("server_path_info", "/dump.php/extra/path?x=1")
case("server_path_info_slash", "/dump.php/")
case("server_path_info_sub", "/sub/other.php/p/q")
case("server_path_info_dots", "/dump.php/a.php/b")
case("server_root", "/")
case("server_root_query", "/?q=1")
case("server_index_explicit", "/index.php")
case("server_sub_slash", "/sub/")
case("server_sub_index", "/sub/index.php")
case("server_sub_noslash", "/sub")
case("server_front_controller", "/missing/route?x=1")
case("server_front_controller_txt", "/missing.txt")
case("server_front_controller_deep", "/a/b/c/d")
case("server_front_controller_encoded", "/some%20path/x%2Fy?z=%20")
case("server_front_controller_static_extra", "/style.css/extra")
case("server_uppercase_php", "/dump.PHP")
case("server_double_slash", "//dump.php")
case("server_dot_segment", "/sub/../dump.php")
case("server_encoded_script", "/du%6Dp.php?x=1")
case("server_pct20_pathinfo", "/dump.php/a%20b")
case("server_pct2f_pathinfo", "/dump.php/a%2Fb")
case("server_pct25_query", "/dump.php?q=%25&r=%2541")
case("server_pct25_pathinfo", "/dump.php/100%25")
case("server_unicode_raw", "/dump.php/caf\u00e9?q=\u00fc")
case("server_unicode_encoded", "/dump.php/caf%C3%A9?q=%C3%BC")
case("server_unicode_front", "/%E2%9C%93/check")
case("server_plus_in_path", "/dump.php/a+b?c+d=e+f")
case("server_host_port", "/dump.php", headers=[("Host", "localhost:8080")])
case("server_host_upper", "/dump.php", headers=[("Host", "LOCALHOST")])
case("server_host_other", "/dump.php", headers=[("Host", "other.example")])
case("server_host_ipv6", "/dump.php", headers=[("Host", "[::1]:8080")])
case("server_http10_host", "/dump.php", version="HTTP/1.0")
case("server_http10_nohost", "/dump.php", version="HTTP/1.0", default_headers=False)
case("server_head", "/dump.php", method="HEAD")
case("server_put", "/dump.php", method="PUT", body=b"put body", headers=[("Content-Type", "text/plain")])
case("server_delete", "/dump.php", method="DELETE")
case("server_options", "/dump.php", method="OPTIONS")
case("server_custom_method", "/dump.php", method="PURGE")
case("server_patch_json", "/dump.php", method="PATCH", body=b'{"a":1}', headers=[("Content-Type", "application/json")])
case("server_content_type_on_get", "/dump.php", headers=[("Content-Type", "text/plain")])
case("server_content_length_0_get", "/dump.php", headers=[("Content-Length", "0")])
case("server_connection_close_hdr", "/dump.php", headers=[("Connection", "close")])
case("server_connection_keepalive_hdr", "/dump.php", headers=[("Connection", "keep-alive")])
case("server_proxy_header", "/dump.php", headers=[("Proxy", "http://evil.example:8080")])
case("server_te_header", "/dump.php", headers=[("TE", "trailers")])
case("server_upgrade_header", "/dump.php", headers=[("Upgrade", "websocket"), ("Connection", "Upgrade")])
case("server_forwarded", "/dump.php", headers=[("X-Forwarded-For", "1.2.3.4"), ("X-Forwarded-Proto", "https"), ("Forwarded", "for=1.2.3.4")])
case("server_https_header", "/dump.php", headers=[("HTTPS", "on")])
# keel's own header-copy prefix is just a name to a client
case("server_x_keel_prefixed", "/dump.php", headers=[("X-Keel-Host", "evil.example"), ("X-Keel-Foo", "bar")])

# Expect: 100-continue
case("expect_small", "/dump.php", method="POST", body=b"a=1&b=2", headers=[FORM_CT, ("Expect", "100-continue")], expect100=True)
case("expect_1mb", "/dump.php", method="PUT", body=b"e" * 1048576, headers=[("Content-Type", "application/octet-stream"), ("Expect", "100-continue")], expect100=True)
case("expect_chunked", "/dump.php", method="POST", chunked=[b"x=1", b"&y=2"], headers=[FORM_CT, ("Expect", "100-continue")], expect100=True)
case("expect_http10", "/dump.php", method="POST", body=b"a=1", version="HTTP/1.0", headers=[FORM_CT, ("Expect", "100-continue")], expect100=True)

# Authorization -> PHP_AUTH_* / AUTH_TYPE / REMOTE_USER
case("auth_basic_valid", "/dump.php", headers=[("Authorization", "Basic " + b64("user:pass"))])
case("auth_basic_colon_in_pw", "/dump.php", headers=[("Authorization", "Basic " + b64("user:pa:ss"))])
case("auth_basic_empty_pw", "/dump.php", headers=[("Authorization", "Basic " + b64("user:"))])
case("auth_basic_utf8", "/dump.php", headers=[("Authorization", "Basic " + b64("\u00fcser:p\u00e4ss"))])
case("auth_basic_malformed_b64", "/dump.php", headers=[("Authorization", "Basic !!!not-base64***")])
case("auth_basic_no_colon", "/dump.php", headers=[("Authorization", "Basic " + b64("useronly"))])
case("auth_basic_empty", "/dump.php", headers=[("Authorization", "Basic ")])
case("auth_basic_lowercase", "/dump.php", headers=[("Authorization", "basic " + b64("user:pass"))])
case("auth_digest", "/dump.php", headers=[("Authorization", 'Digest username="u", realm="r", nonce="n", uri="/dump.php", response="abc"')])
case("auth_bearer", "/dump.php", headers=[("Authorization", "Bearer abc.def.ghi")])
case("auth_empty", "/dump.php", headers=["Authorization:"])
case("auth_unknown_scheme", "/dump.php", headers=[("Authorization", "Negotiate YIIB")])

# request headers -> HTTP_*
case("hdr_repeated", "/dump.php", headers=[("X-Dup", "a"), ("X-Dup", "b"), ("X-Dup", "c")])
case("hdr_repeated_accept", "/dump.php", headers=[("Accept-Language", "en"), ("Accept-Language", "fr")])
case("hdr_underscore", "/dump.php", headers=[("X_Under", "u")])
case("hdr_underscore_and_dash", "/dump.php", headers=[("X-Thing", "dash"), ("X_Thing", "underscore")])
case("hdr_case", "/dump.php", headers=[("x-lower-case", "l"), ("X-UPPER-CASE", "U"), ("x-MiXeD", "m")])
case("hdr_ws_leading_trailing", "/dump.php", headers=["X-Lead:    leading", "X-Trail: trailing   ", "X-Both:   both   "])
case("hdr_ws_tabs", "/dump.php", headers=["X-Tab: tabbed\t", "X-Inner: a \t b"])
case("hdr_ws_tab_leading", "/dump.php", headers=["X-Tab:\ttabbed"])
case("hdr_ws_none", "/dump.php", headers=["X-NoSpace:value"])
case("hdr_empty_value", "/dump.php", headers=["X-Empty:", "X-Spaces:    "])
case("hdr_long_value", "/dump.php", headers=[("X-Long", "v" * 6000)])
case("hdr_utf8_value", "/dump.php", headers=[("X-Utf8", "gr\u00fc\u00df")])
case("hdr_many_100", "/dump.php", headers=[(f"X-Many-{i}", f"value {i}") for i in range(100)])
case("hdr_cookie_and_cookie2", "/dump.php", headers=[("Cookie", "a=1"), ("Cookie", "b=2")])
case("hdr_host_repeated_ua", "/dump.php", headers=[("User-Agent", "one"), ("User-Agent", "two")])
case("hdr_content_type_twice", "/dump.php", method="POST", body=b"a=1", headers=[FORM_CT, ("Content-Type", "text/plain")])

# ------------------------------------------------------------ input: $_GET
case("get_array_list", "/dump.php?a[]=1&a[]=2")
case("get_array_nested", "/dump.php?a[x][y]=1&a[x][z]=2")
case("get_array_mixed", "/dump.php?a[]=1&a[k]=2&a[]=3")
case("get_empty_and_missing", "/dump.php?a=&b&=c&d=")
case("get_dots_spaces", "/dump.php?a.b=1&c+d=2&e%20f=3&g[h.i]=4")
case("get_broken_bracket", "/dump.php?a[=1&b]=2&c[d=3")
case("get_encoded_brackets", "/dump.php?a%5B%5D=1&a%5B%5D=2")
case("get_plus_and_pct", "/dump.php?q=a+b%2Bc%26d%3De")
case("get_duplicate_scalar", "/dump.php?x=1&x=2")
case("get_utf8", "/dump.php?name=J%C3%BCrgen&raw=\u00e4")
case("get_semicolon", "/dump.php?a=1;b=2")
case("get_deep_nesting", "/dump.php?a[b][c][d][e][f]=deep")
case("get_long_7k", "/dump.php?q=" + "x" * 7000)
case("get_long_16k", "/dump.php?q=" + "y" * 17000 + "&r=1")
case("get_many_vars", "/dump.php?" + "&".join(f"v{i}={i}" for i in range(500)))

# ------------------------------------------------------------ input: $_COOKIE
case("cookie_simple", "/dump.php", headers=[("Cookie", "a=1; b=2")])
case("cookie_no_space", "/dump.php", headers=[("Cookie", "a=1;b=2")])
case("cookie_spaces", "/dump.php", headers=[("Cookie", " a = 1 ;  b=2  ")])
case("cookie_quotes", "/dump.php", headers=[("Cookie", 'q="quoted value"; r="x')])
case("cookie_duplicate", "/dump.php", headers=[("Cookie", "d=1; d=2")])
case("cookie_no_equals", "/dump.php", headers=[("Cookie", "flag; x=1")])
case("cookie_encoded", "/dump.php", headers=[("Cookie", "e=%20x+y%3D; f=a%2Cb")])
case("cookie_array", "/dump.php", headers=[("Cookie", "c[a]=1; c[b]=2; c[]=3")])
case("cookie_dots", "/dump.php", headers=[("Cookie", "a.b=1; c d=2")])
case("cookie_empty_header", "/dump.php", headers=["Cookie: "])
case("cookie_two_headers", "/dump.php", headers=[("Cookie", "a=1; b=2"), ("Cookie", "c=3")])
case("cookie_comma", "/dump.php", headers=[("Cookie", "a=1, b=2")])

# ------------------------------------------------------------ input: $_POST / $_REQUEST / php://input
case("post_form", "/dump.php", method="POST", body=b"a=1&b=two&c[]=x&c[]=y", headers=[FORM_CT])
case("post_form_nested", "/dump.php", method="POST", body=b"a[x][y]=1&a[x][z]=&e", headers=[FORM_CT])
case("post_form_charset", "/dump.php", method="POST", body=b"a=%C3%BC", headers=[("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")])
case("post_form_uppercase_ct", "/dump.php", method="POST", body=b"a=1", headers=[("Content-Type", "Application/X-WWW-Form-URLEncoded")])
case("post_request_merge", "/dump.php?same=get&g=1", method="POST", body=b"same=post&p=1", headers=[FORM_CT, ("Cookie", "same=cookie; c=1")])
case("post_json", "/dump.php", method="POST", body=b'{"json": [1, 2, 3]}', headers=[("Content-Type", "application/json")])
case("post_text", "/dump.php", method="POST", body=b"just text\nline 2", headers=[("Content-Type", "text/plain")])
case("post_no_content_type", "/dump.php", method="POST", body=b"a=1&b=2")
case("post_empty_body", "/dump.php", method="POST", body=b"", headers=[FORM_CT])
case("post_binary", "/dump.php", method="POST", body=bytes(range(256)) * 4, headers=[("Content-Type", "application/octet-stream")])
case("put_form", "/dump.php", method="PUT", body=b"a=1", headers=[FORM_CT])
case("put_json", "/dump.php", method="PUT", body=b'{"put": true}', headers=[("Content-Type", "application/json")])
case("patch_text", "/dump.php", method="PATCH", body=b"patch body", headers=[("Content-Type", "text/plain")])
case("delete_body", "/dump.php", method="DELETE", body=b"del=1", headers=[FORM_CT])
case("post_front_controller", "/no/such/route", method="POST", body=b"a=1", headers=[FORM_CT])
case("post_path_info", "/dump.php/pi", method="POST", body=b"a=1", headers=[FORM_CT])
case("chunked_form", "/dump.php", method="POST", chunked=[b"a=1&", b"b=2", b"&c[]=3"], headers=[FORM_CT])
case("chunked_json", "/dump.php", method="POST", chunked=[b'{"a":', b"1}"], headers=[("Content-Type", "application/json")])
case("chunked_put_many", "/dump.php", method="PUT", chunked=[bytes([i % 256]) * 1000 for i in range(50)], headers=[("Content-Type", "application/octet-stream")])
case("chunked_multipart", "/dump.php", method="POST",
     chunked=[multipart([("f", "c.txt", "text/plain", b"chunked file"), ("v", None, None, b"val")])[i:i + 50] for i in range(0, 400, 50)],
     headers=[("Content-Type", MP_CT)])
case("chunked_empty", "/dump.php", method="POST", chunked=[], headers=[FORM_CT])
BIG = (bytes(range(251)) * (10 * 1024 * 1024 // 251 + 1))[:10 * 1024 * 1024]
case("body_10mb_default", "/dump.php", method="POST", body=BIG, headers=[("Content-Type", "application/octet-stream")])
case("body_10mb_big", "/dump.php", method="POST", body=BIG, headers=[("Content-Type", "application/octet-stream")], profile="big")
case("body_10mb_put", "/dump.php", method="PUT", body=BIG, headers=[("Content-Type", "application/octet-stream")], profile="big")
case("body_10mb_chunked", "/dump.php", method="POST", chunked=[BIG[i:i + 1048576] for i in range(0, len(BIG), 1048576)],
     headers=[("Content-Type", "application/octet-stream")], profile="big")
case("body_10mb_form", "/dump.php", method="POST", body=b"a=" + b"z" * (10 * 1024 * 1024), headers=[FORM_CT], profile="big")
case("post_over_post_max_form", "/dump.php?g=1", method="POST", body=b"a=" + b"z" * 20000, headers=[FORM_CT], profile="limits")
case("post_over_post_max_raw", "/dump.php", method="POST", body=b"r" * 20000, headers=[("Content-Type", "text/plain")], profile="limits")

# ------------------------------------------------------------ strict HTTP/1 parsing (tests/integration/test_http_strict.py)
def post_raw(head_lines, body=b"", version="HTTP/1.1", target="/dump.php"):
    head = f"POST {target} {version}\r\nHost: localhost\r\n".encode() + b"".join(l + b"\r\n" for l in head_lines)
    return head + b"\r\n" + body


FORM = b"Content-Type: application/x-www-form-urlencoded"
CHUNKED = b"Transfer-Encoding: chunked"
case("strict_obs_fold", "/dump.php",
     raw=b"GET /dump.php HTTP/1.1\r\nHost: localhost\r\nX-A: a\r\n  folded\r\nConnection: close\r\n\r\n")
case("strict_te_twice", "/dump.php", method="POST", raw=post_raw([FORM, CHUNKED, CHUNKED], b"3\r\na=1\r\n0\r\n\r\n"))
case("strict_te_gzip_then_chunked", "/dump.php", method="POST",
     raw=post_raw([FORM, b"Transfer-Encoding: gzip", CHUNKED], b"3\r\na=1\r\n0\r\n\r\n"))
case("strict_te_gzip", "/dump.php", method="POST", raw=post_raw([FORM, b"Transfer-Encoding: gzip"]))
case("strict_te_list", "/dump.php", method="POST",
     raw=post_raw([FORM, b"Transfer-Encoding: gzip, chunked"], b"3\r\na=1\r\n0\r\n\r\n"))
case("strict_te_http10", "/dump.php", method="POST",
     raw=post_raw([FORM, CHUNKED], b"3\r\na=1\r\n0\r\n\r\n", version="HTTP/1.0"))
case("strict_te_trailing_space", "/dump.php", method="POST",
     raw=post_raw([FORM, b"Transfer-Encoding: chunked  "], b"3\r\na=1\r\n0\r\n\r\n"))
case("strict_chunk_0x5", "/dump.php", method="POST",
     raw=post_raw([FORM, CHUNKED], b"0x5\r\n\r\nGET /dump.php?smuggled=1 HTTP/1.1\r\nHost: localhost\r\n\r\n"))
case("strict_chunk_cr_cr_lf", "/dump.php", method="POST", raw=post_raw([FORM, CHUNKED], b"3\r\na=1\r\r\n0\r\n\r\n"))
case("strict_chunk_size_garbage", "/dump.php", method="POST", raw=post_raw([FORM, CHUNKED], b"3x\r\na=1\r\n0\r\n\r\n"))
case("strict_chunk_extensions", "/dump.php", method="POST",
     raw=post_raw([FORM, CHUNKED], b"3;ext=1\r\na=1\r\n00002 \r\n&b\n0\r\nX-Trailer: t\r\n\r\n"))
case("strict_host_slash", "/dump.php", raw=b"GET /dump.php HTTP/1.1\r\nHost: evil.com/../x\r\nConnection: close\r\n\r\n")
case("strict_host_dot_dot", "/dump.php", raw=b"GET /dump.php HTTP/1.1\r\nHost: a..b\r\nConnection: close\r\n\r\n")
case("strict_host_empty", "/dump.php", raw=b"GET /dump.php HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n")
case("strict_version_2", "/dump.php", raw=b"GET /dump.php HTTP/2.0\r\nHost: localhost\r\n\r\n")
case("strict_version_10", "/dump.php", raw=b"GET /dump.php HTTP/10.0\r\nHost: localhost\r\n\r\n")
# both refuse a head past their limits (nginx here: large_client_header_buffers 4 64k; keel: --max-header-size 32K)
case("strict_head_too_large", "/dump.php",
     raw=b"GET /dump.php HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 300000 + b"\r\nConnection: close\r\n\r\n")

# ------------------------------------------------------------ input: $_FILES
case("files_two", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], body=multipart([
    ("field", None, None, b"value"), ("f1", "one.txt", "text/plain", b"first file\n"),
    ("f2", "two.bin", "application/octet-stream", bytes(range(256)))]))
case("files_nested", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], body=multipart([
    ("doc[a][b]", "nested.txt", "text/plain", b"nested"), ("doc[a][c]", "n2.txt", "text/plain", b"n2"),
    ("list[]", "l1.txt", "text/plain", b"l1"), ("list[]", "l2.txt", "text/plain", b"l2")]))
case("files_empty_file", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], body=multipart([
    ("empty", "empty.txt", "text/plain", b"")]))
case("files_no_file_selected", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], body=multipart([
    ("none", "", "application/octet-stream", b"")]))
case("files_fields_only", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], body=multipart([
    ("a", None, None, b"1"), ("b[]", None, None, b"2"), ("b[]", None, None, b"3"), ("u", None, None, "\u00fc".encode())]))
case("files_path_in_name", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], body=multipart([
    ("p", "dir/sub/evil.txt", "text/plain", b"p"), ("q", "..\\win\\x.txt", "text/plain", b"q")]))
case("files_no_content_type", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], body=multipart([
    ("n", "noct.txt", None, b"no content type")]))
case("files_quoted_boundary", "/dump.php", method="POST",
     headers=[("Content-Type", 'multipart/form-data; boundary="----keeldiffBoundary7MA4YWxk"')],
     body=multipart([("f", "q.txt", "text/plain", b"quoted boundary")]))
case("files_partial", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)],
     body=multipart([("f", "p.txt", "text/plain", b"partial")], final=False)[:-20])
case("files_missing_boundary_param", "/dump.php", method="POST", headers=[("Content-Type", "multipart/form-data")],
     body=multipart([("f", "p.txt", "text/plain", b"x")]))
case("files_wrong_boundary", "/dump.php", method="POST", headers=[("Content-Type", "multipart/form-data; boundary=other")],
     body=multipart([("f", "p.txt", "text/plain", b"x")]))
case("files_garbage", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], body=b"this is not multipart at all")
case("files_over_upload_max", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], profile="limits", body=multipart([
    ("small", "s.txt", "text/plain", b"small"), ("big", "b.txt", "text/plain", b"B" * 5000)]))
case("files_form_max_size", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], profile="limits", body=multipart([
    ("MAX_FILE_SIZE", None, None, b"100"), ("f", "f.txt", "text/plain", b"F" * 500)]))
case("files_too_many", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], profile="limits", body=multipart([
    (f"f{i}", f"{i}.txt", "text/plain", b"x") for i in range(5)]))
case("files_over_post_max", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], profile="limits", body=multipart([
    ("field", None, None, b"v"), ("f", "f.txt", "text/plain", b"F" * 20000)]))
case("files_large_2mb", "/dump.php", method="POST", headers=[("Content-Type", MP_CT)], profile="big", body=multipart([
    ("f", "large.bin", "application/octet-stream", (bytes(range(256)) * 8192)[:2 * 1024 * 1024 - 1000])]))

# ------------------------------------------------------------ output
OUT_CASES = """replace append replace_case status_404 status_10_404 custom_reason custom_reason_404 custom_reason_500
status_no_reason status_unknown_code status_header status_header_custom response_code_418 response_code_get
response_code_twice header_code_param location location_abs location_201 location_301 location_after_307
location_after_404 location_after_303 location_308 remove_one remove_all remove_xpb remove_ct empty_value no_colon
crlf_injection long_header many_headers odd_value content_type_json content_type_nocharset default_charset
content_length_set headers_sent headers_list header_after_output cookie_simple cookie_multi cookie_options
cookie_delete cookie_encoded rawcookie cookie_header 204 204_empty 304 304_empty empty ob_nested ob_callback
ob_get_clean_all ob_level ob_status ob_unflushed ob_header_after ob_gzhandler binary large_1m vary cache_limiter""".split()
for c in OUT_CASES:
    case(f"out_{c}", f"/out.php?c={c}")
for c in ("replace", "status_404", "custom_reason", "location", "204", "large_1m", "cookie_multi"):
    case(f"out_head_{c}", f"/out.php?c={c}", method="HEAD")
case("out_gzip_accepted", "/out.php?c=ob_gzhandler", headers=[("Accept-Encoding", "gzip")])
case("out_http10_large", "/out.php?c=large_1m", version="HTTP/1.0")
case("out_big_50mb", "/big.php?mb=50", hash=True, timeout=120)
case("out_big_50mb_http10", "/big.php?mb=50", hash=True, version="HTTP/1.0", timeout=120)
case("out_flush_stream", "/flush.php")
case("out_flush_http10", "/flush.php", version="HTTP/1.0")

EXIT_CASES = """plain die_msg exit_int in_function in_finally destructor shutdown exit_in_shutdown_status ob_callback
exit_inside_ob_callback ob_open after_header include_exit exit_after_flush""".split()
for c in EXIT_CASES:
    case(f"exit_{c}", f"/exit.php?c={c}")

ERROR_CASES = """exception exception_after_output exception_after_flush undefined_function type_error user_error warning
deprecated parse_error memory exception_404 handler error_handler error_log shutdown_error division""".split()
for prof in ("default", "display"):
    for c in ERROR_CASES:
        case(f"error_{prof}_{c}", f"/error.php?c={c}", profile=prof)

# ------------------------------------------------------------ environment / ini
case("env_functions", "/env.php", headers=[("X-Custom", "1"), ("x-lower", "2")])
case("env_ini_all", "/ini.php")
case("env_relinc", "/relinc.php")
case("env_relinc_sub", "/sub/relinc.php")
case("env_cwd_sub", "/sub/cwd.php")
case("ini_prepend", "/prepended.php", profile="overrides")
case("ini_prepend_dump", "/dump.php", profile="overrides")
case("ini_disabled", "/disabled.php", profile="overrides")
case("ini_disabled_call", "/disabled.php?call=1", profile="overrides")
case("ini_disabled_call_display", "/disabled.php?call=1", profile="display")
case("ini_limits", "/limits.php", profile="overrides")
case("ini_limits_display", "/limits.php", profile="display")
case("ini_env_overrides", "/env.php", profile="overrides")
# PHP-FPM's clear_env and env[], nginx's fastcgi_param: keel's --clear-env,
# --env and --param (diffharness.ENV_PROFILES)
for prof in ("env", "envclear"):
    case(f"envprofile_{prof}_server", "/dump.php", profile=prof)
    case(f"envprofile_{prof}_functions", "/env.php", profile=prof)

# ------------------------------------------------------------ static files and routing
case("static_css", "/style.css", static=True)
case("static_css_head", "/style.css", method="HEAD", static=True)
case("static_txt_sub", "/static/file.txt", static=True)
case("static_json", "/static/data.json", static=True)
case("static_query", "/style.css?v=123", static=True)
case("static_encoded", "/st%79le.css", static=True)
case("static_range", "/static/big.txt", headers=[("Range", "bytes=10-29")], static=True)
case("static_range_suffix", "/static/big.txt", headers=[("Range", "bytes=-15")], static=True)
case("static_range_unsatisfiable", "/static/big.txt", headers=[("Range", "bytes=999999-")], static=True)
case("static_range_overlapping_parts", "/static/big.txt", headers=[("Range", "bytes=" + ",".join(["0-"] * 20))],
     static=True)
case("static_if_range_other_etag", "/static/big.txt", headers=[("Range", "bytes=10-29"), ("If-Range", '"0-0"')],
     static=True)
case("static_if_range_old_date", "/static/big.txt",
     headers=[("Range", "bytes=10-29"), ("If-Range", "Thu, 01 Jan 1970 00:00:00 GMT")], static=True)
case("static_ims_future", "/style.css", headers=[("If-Modified-Since", "Fri, 01 Jan 2100 00:00:00 GMT")], static=True)
case("static_ims_past", "/style.css", headers=[("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")], static=True)
case("static_post", "/style.css", method="POST", body=b"a=1", headers=[FORM_CT], static=True)
case("static_well_known", "/.well-known/hello.txt", static=True)
case("static_dir_no_index", "/static/", static=True)
case("static_dir_no_index_noslash", "/static", static=True)
case("route_missing_php", "/nope.php")
case("route_missing_php_pathinfo", "/nope.php/extra")
case("route_missing_php_sub", "/sub/nope.php")
case("route_php_source_in_dir", "/lib/")
case("route_dotfile", "/.env")
case("route_dotdot_encoded", "/sub/%2e%2e/dump.php")
# PHP source under names the PHP location does not match (app/files/)
case("route_php_source_upper", "/files/Upper.PHP")
case("route_php_source_backup", "/files/config.php.bak")
case("route_php_source_separator", "/files/shell.php%3B.jpg")
case("route_php_source_phtml", "/files/old.phtml")
