/*
 * --compress: gzip for the public listener's responses, as nginx's gzip
 * module decides it (compress_policy.h), with libh2o's gzip encoder, and
 * precompressed siblings of static files (`style.css.gz`, `.br`) served by
 * h2o's file handler when the client takes them, as nginx's gzip_static.
 */
#ifndef KEEL_FRONT_COMPRESS_H
#define KEEL_FRONT_COMPRESS_H

#include <h2o.h>

#include "front/route.h"

/* zlib's level: 1, as nginx's gzip_comp_level, for the front's CPU. */
#define KEEL_COMPRESS_GZIP_LEVEL 1

/* Compresses what path sends, from now on. */
void keel_compress_register(h2o_pathconf_t *path);

/* A static file (route, STATIC) about to be served with its siblings in
 * mind: a sibling that exists but that the router would refuse (a symlink
 * out of the root, say) must not be served in its place, so the request's
 * Accept-Encoding is dropped and the file goes as it is. */
void keel_compress_check_siblings(h2o_req_t *req, const keel_router_t *router, const keel_route_t *route);

#endif
