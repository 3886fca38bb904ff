/*
 * The dashboard's files (src/front/dashboard/), built into keel by
 * scripts/embed-assets.py, so the admin listener serves them with nothing
 * to install and nothing fetched from elsewhere.
 */
#ifndef KEEL_FRONT_DASHBOARD_ASSETS_H
#define KEEL_FRONT_DASHBOARD_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *name; /* "index.html", "dashboard.js", ... */
    const char *type; /* its Content-Type */
    const unsigned char *data;
    size_t len;
} keel_dashboard_asset_t;

/* The file called name[0..len), or NULL. */
const keel_dashboard_asset_t *keel_dashboard_asset(const char *name, size_t len);

#endif
