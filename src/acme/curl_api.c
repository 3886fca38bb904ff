#include "acme/curl_api.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#define LIBCURL "libcurl.so.4"

/* Filled once, by the first load, and never changed after: one libcurl
 * per process. */
static keel_curl_api_t api;
static int loaded;

int
keel_curl_load(char *err, size_t errlen)
{
    if (loaded)
        return 0;
    void *lib = dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(err, errlen, "cannot load libcurl: %s", why != NULL ? why : LIBCURL);
        return -1;
    }
    keel_curl_api_t a;
#define KEEL_CURL_RESOLVE(name)                                                                                        \
    if ((*(void **)&a.name = dlsym(lib, "curl_" #name)) == NULL) {                                                     \
        snprintf(err, errlen, "cannot load libcurl: %s has no curl_" #name, LIBCURL);                                  \
        dlclose(lib);                                                                                                  \
        return -1;                                                                                                     \
    }
    KEEL_CURL_FUNCTIONS(KEEL_CURL_RESOLVE)
#undef KEEL_CURL_RESOLVE
    api = a; /* the library stays loaded for the process's life */
    loaded = 1;
    return 0;
}

const keel_curl_api_t *
keel_curl(void)
{
    char err[512];
    if (!loaded && keel_curl_load(err, sizeof(err)) != 0) {
        fprintf(stderr, "keel: %s\n", err);
        exit(1);
    }
    return &api;
}
