/*
 * Warnings about a document root's layout, logged when keel starts
 * serving from a root (at startup, and when a deploy moves it):
 *
 * - a root that looks like a project directory rather than its public
 *   folder (composer.json, vendor/ or .git in it): every file in it that
 *   is not a dotfile or PHP source is served, database/x.sqlite and
 *   composer.lock included;
 * - in worker mode, scripts a request can name that run in classic
 *   workers rather than the worker script: the root's other .php files
 *   and its directories' index.php. (The root's index.php and the front
 *   controller go to the worker script: front/route.h.)
 *
 * The decision is pure (keel_layout_warnings over names found in the
 * root); keel_layout_check reads the root and logs.
 */
#ifndef KEEL_FRONT_LAYOUT_H
#define KEEL_FRONT_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "front/route.h"

#define KEEL_LAYOUT_MAX_NAMES 64 /* entries of the root looked at; more are counted only */

/* What the root holds, as far as the warnings care. */
typedef struct {
    bool composer_json, vendor_dir, git;
    bool worker_mode;
    const char *classic[KEEL_LAYOUT_MAX_NAMES]; /* request paths that run in classic workers ("/api.php", "/admin/") */
    size_t classic_count;                       /* all of them, even past the ones named */
} keel_layout_facts_t;

/* Writes the warnings the facts call for, one per line (no trailing
 * newline) into out; returns how many (0: nothing to say). */
size_t keel_layout_warnings(const keel_layout_facts_t *facts, const char *root, char *out, size_t outlen);

/* Reads r's root (one directory, and its subdirectories' index.php) and
 * logs the warnings at warn. */
void keel_layout_check(const keel_router_t *r);

#endif
