"""Documented differences between nginx + php-fpm and keel.

A case listed here is asserted to differ in exactly the listed keys (see
compare.py for key names; multi-request tests prefix them with "#N:"); any
other difference, or a listed one going away, fails the case, so this list
cannot silently hide a regression.

Rule: a difference belongs here only when nginx/php-fpm is clearly the
wrong (buggy or unsafe) one, or the difference is inherent to being a
different server (e.g. nginx's own error-page HTML). The reason starts with
"nginx wrong:", "nginx unsafe:" or "inherent:". Real keel bugs are NOT
listed: they stay failing.

case id -> {"differs": [keys], "why": "..."}
"""

_REPEATED = ("nginx wrong: nginx 1.22 passes each repeated request header as a separate FastCGI "
             "parameter of the same name and php-fpm keeps only the last one, so the application loses "
             "values. CGI requires them combined (RFC 3875 §4.1.18: the server MUST rewrite them as a "
             "single value), as RFC 9110 §5.3 defines (', '; Cookie: '; ', RFC 6265 §5.4); keel does "
             "that, and nginx fixed it upstream (ticket #1724, combining headers with identical names).")

_ERROR_PAGE = ("inherent: the front's own error page (nginx's HTML with its version vs keel's short text); "
               "PHP is not involved and the status code is compared.")

_SAPI = ("inherent: the PHP build differs by SAPI. Debian builds pcntl into the embed library keel links "
         "and not into php-fpm; 'cgi-fcgi' is php-fpm's own SAPI module, which provides fpm_get_status() "
         "and the cgi.*/fastcgi.*/fpm.* ini entries (keel has no FastCGI layer to configure); keel adds "
         "its own functions (keel_finish_request, FrankenPHP's names). PHP_SAPI itself is 'fpm-fcgi' on both.")

_PHP_SOURCE = ("nginx unsafe: the standard PHP location matches only names ending in '.php', so nginx serves any "
               "other name as a static file: PHP source (here with a database password) under 'Upper.PHP', "
               "'config.php.bak', 'shell.php;.jpg' or 'old.phtml' goes out as it is (200). keel never sends a "
               "file whose name carries a PHP extension (403), as its README documents.")

_INTERIM = ("nginx unsafe: a script's 1xx status (http_response_code(100), Status: 103) goes out as the final "
            "response head, and the script's output follows it raw: the client takes the 1xx as interim and reads "
            "that output as the next response head (the connection is out of step). A 1xx cannot end a response "
            "(RFC 9110 15.2); keel answers 502, as a gateway answers an invalid upstream response, and the "
            "connection stays usable.")

EXPECTED = {
    # ------------------------------------------------ repeated request headers
    "hdr_repeated": {"differs": ["json:headers.X-Dup", "json:server.HTTP_X_DUP"], "why": _REPEATED},
    "hdr_repeated_accept": {"differs": ["json:headers.Accept-Language", "json:server.HTTP_ACCEPT_LANGUAGE"],
                            "why": _REPEATED},
    "hdr_host_repeated_ua": {"differs": ["json:headers.User-Agent", "json:server.HTTP_USER_AGENT"], "why": _REPEATED},
    "hdr_cookie_and_cookie2": {"differs": ["json:cookie.a", "json:headers.Cookie", "json:server.HTTP_COOKIE"],
                               "why": _REPEATED},
    "cookie_two_headers": {"differs": ["json:cookie.a", "json:cookie.b", "json:headers.Cookie", "json:server.HTTP_COOKIE"],
                           "why": _REPEATED},

    "hdr_content_type_twice": {"differs": ["json:headers.Content-Type", "json:server.HTTP_CONTENT_TYPE"],
                               "why": _REPEATED},

    # ------------------------------------------------ PHP build
    "env_functions": {"differs": [f"json:extensions[{i}]" for i in range(9, 16)] +
                      ["json:functions.fpm_get_status", "json:functions.frankenphp_finish_request",
                       "json:functions.keel_finish_request"], "why": _SAPI},
    "ini_env_overrides": {"differs": [f"json:extensions[{i}]" for i in range(9, 16)] +
                          ["json:functions.fpm_get_status", "json:functions.frankenphp_finish_request",
                           "json:functions.keel_finish_request"], "why": _SAPI},
    "env_ini_all": {"differs": ["json:cgi.discard_path", "json:cgi.fix_pathinfo", "json:cgi.force_redirect",
                                "json:cgi.nph", "json:cgi.redirect_status_env", "json:cgi.rfc2616_headers",
                                "json:fastcgi.error_header", "json:fastcgi.logging", "json:fpm.config"],
                    "why": _SAPI},

    # ------------------------------------------------ limits of the HTTP library
    "hdr_many_100": {
        "differs": ["status", "header:content-type", "body"],
        "why": "inherent: libh2o 2.2 (Debian's) parses at most 100 header fields per request and answers "
               "400 beyond; nginx's limit is a buffer size (large_client_header_buffers). Documented in "
               "docs/compatibility.md.",
    },

    # ------------------------------------------------ header whitespace
    "hdr_ws_tab_leading": {
        "differs": ["json:headers.X-Tab", "json:server.HTTP_X_TAB"],
        "why": "nginx wrong: a leading HTAB is optional whitespace (RFC 9110 §5.5/§5.6.3: field-value "
               "excludes leading OWS = SP / HTAB); nginx strips leading spaces but passes a leading tab "
               "into HTTP_X_TAB ('\\ttabbed'); keel passes 'tabbed'.",
    },

    # ------------------------------------------------ static files / front errors
    "static_post": {
        "differs": ["reason", "header:allow", "header:content-type", "body"],
        "why": "nginx wrong: a 405 MUST carry Allow (RFC 9110 §15.5.6); nginx sends '405 Not Allowed' "
               "without it, keel '405 Method Not Allowed' with 'Allow: GET, HEAD'. The body is each "
               "front's own error page (inherent).",
    },
    "static_range_unsatisfiable": {
        "differs": ["reason", "header:content-type", "body"],
        "why": "inherent: the front's own 416 answer: reason phrase text ('Requested' vs 'Request' Range Not "
               "Satisfiable; RFC 9110 names it 'Range Not Satisfiable' and clients ignore reason phrases) "
               "and error-page body. Status and Content-Range are compared.",
    },
    "route_missing_php": {"differs": ["header:content-type", "body"], "why": _ERROR_PAGE},
    "static_conditional_own_validators": {
        "differs": ["#1:header:last-modified", "#2:header:last-modified", "#4:header:last-modified"],
        "why": "inherent: on a 304 for a static file keel's file handler (libh2o) sends ETag but not "
               "Last-Modified, as RFC 9110 §15.4.5 recommends (a 304 SHOULD NOT carry representation "
               "metadata beyond Cache-Control, Content-Location, Date, ETag, Expires and Vary); nginx adds "
               "Last-Modified. Status and ETag are compared.",
    },
    "static_dir_no_index": {"differs": ["header:content-type", "body"], "why": _ERROR_PAGE},
    "route_php_source_in_dir": {"differs": ["header:content-type", "body"], "why": _ERROR_PAGE},
    "static_dir_no_index_noslash": {"differs": ["header:content-type", "body"], "why": _ERROR_PAGE},
    "server_sub_noslash": {"differs": ["header:content-type", "body"], "why": _ERROR_PAGE},
    "route_missing_php_pathinfo": {"differs": ["header:content-type", "body"], "why": _ERROR_PAGE},
    "route_missing_php_sub": {"differs": ["header:content-type", "body"], "why": _ERROR_PAGE},
    # ------------------------------------------------ strict HTTP/1 parsing: the same refusals
    **{case_id: {"differs": ["header:content-type", "body"], "why": _ERROR_PAGE} for case_id in (
        "strict_obs_fold", "strict_te_twice", "strict_te_gzip_then_chunked", "strict_te_gzip", "strict_te_list",
        "strict_te_http10", "strict_host_slash", "strict_host_dot_dot", "strict_host_empty", "strict_version_2",
        "strict_version_10", "strict_head_too_large")},
    **{case_id: {"differs": ["reason", "header:content-type", "body"],
                 "why": "inherent: the front's own 400 for a malformed chunked body comes from libh2o's body "
                        "reader, whose reason phrase is 'Invalid Request' (clients ignore reason phrases) and "
                        "whose body is its own. The status is compared."} for case_id in (
        "strict_chunk_0x5", "strict_chunk_cr_cr_lf", "strict_chunk_size_garbage")},
    "route_dotfile": {
        "differs": ["status", "header:accept-ranges", "header:content-type", "header:etag",
                    "header:last-modified", "body"],
        "why": "nginx unsafe: the standard config serves dotfiles, here /.env with its secret (200); keel "
               "refuses dotfiles outside /.well-known/ (403), as its README documents.",
    },

    # ------------------------------------------------ framing of PHP responses (test_diff_framing.py)
    "frame_code_100": {"differs": ["status", "header:content-length", "body_end", "body", "next_request"], "why": _INTERIM},
    "frame_code_101": {"differs": ["status", "header:content-length", "body_end", "body", "next_request"], "why": _INTERIM},
    "frame_code_103": {"differs": ["status", "header:content-length", "body_end", "body", "next_request"], "why": _INTERIM},
    "frame_status_header_100": {"differs": ["status", "header:content-length", "body_end", "body", "next_request"], "why": _INTERIM},
    "route_php_source_upper": {"differs": ["status", "header:accept-ranges", "header:content-type", "header:etag",
                               "header:last-modified", "body"], "why": _PHP_SOURCE},
    "route_php_source_backup": {"differs": ["status", "header:accept-ranges", "header:content-type", "header:etag",
                               "header:last-modified", "body"], "why": _PHP_SOURCE},
    "route_php_source_separator": {"differs": ["status", "header:accept-ranges", "header:content-type", "header:etag",
                               "header:last-modified", "body"], "why": _PHP_SOURCE},
    "route_php_source_phtml": {"differs": ["status", "header:accept-ranges", "header:content-type", "header:etag",
                               "header:last-modified", "body"], "why": _PHP_SOURCE},
}

# The environment profiles run env.php too: the same SAPI differences, and
# nothing else (getenv()'s keys and $_ENV are compared).
for _case in ("envprofile_env_functions", "envprofile_envclear_functions"):
    EXPECTED[_case] = EXPECTED["env_functions"]
