/*
 * Sanitizer builds only (see meson.build). PHP loads extensions such as
 * OPcache with dlopen(..., RTLD_DEEPBIND), which AddressSanitizer refuses
 * outright. keel's sanitizer build links the ASan runtime as a shared
 * library and defines dlopen in the executable, which comes first in
 * symbol lookup: the flag is dropped and the call goes on to the runtime's
 * own dlopen. Extensions then bind to the process's malloc like everything
 * else, which is what the sanitizer needs anyway.
 */
#include <dlfcn.h>
#include <stddef.h>

void *
dlopen(const char *filename, int flags)
{
    /* Looked up per call: it is a handful of extension loads at startup. */
    void *(*next)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
    if (next == NULL)
        return NULL;
    return next(filename, flags & ~RTLD_DEEPBIND);
}
