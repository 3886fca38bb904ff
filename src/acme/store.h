/* The state directory: what keel keeps between runs (the account key, each
 * certificate and its key). Directories it creates are 0700 and files
 * 0600; a file is replaced by writing a new one beside it and renaming, so
 * a crash leaves the old or the new content, never a mix.
 *
 *   STATE_DIR/acme/CA/account.key        the account's key (PEM)
 *   STATE_DIR/acme/CA/NAME/cert.pem      the chain, leaf first
 *   STATE_DIR/acme/CA/NAME/key.pem       its key
 *
 * CA names the directory URL (keel_acme_store_ca_name), so a staging and a
 * production CA never share an account or a certificate; NAME is a
 * certificate's first name. */
#ifndef KEEL_ACME_STORE_H
#define KEEL_ACME_STORE_H

#include <stdbool.h>
#include <stddef.h>

/* Largest file read back: keys and chains are a few kilobytes. */
#define KEEL_ACME_STORE_FILE_MAX (256 * 1024)

/* A file-name-safe name for a directory URL: its host, port and path with
 * every character other than [A-Za-z0-9.-] turned into '_', the scheme
 * dropped ("https://acme-v02.api.letsencrypt.org/directory" gives
 * "acme-v02.api.letsencrypt.org_directory"), cut to fit cap (>= 2). Never
 * "", "." or "..". */
void keel_acme_store_ca_name(const char *url, char *out, size_t cap);

/* Creates path and its missing parents, each 0700. Returns 0, or -1 with
 * the reason in err (an existing path that is not a directory included). */
int keel_acme_store_mkdirs(const char *path, char *err, size_t errlen);

/* Replaces path by data[0..len), mode 0600, durably (file and directory
 * synced). Returns 0, or -1 with the reason in err; path is then as it was. */
int keel_acme_store_write(const char *path, const void *data, size_t len, char *err, size_t errlen);

/* path's content, NUL-terminated, in a malloc'd buffer (its length in
 * *len), or NULL with the reason in err; *missing is set when the file
 * does not exist. Symbolic links are not followed for the last component. */
char *keel_acme_store_read(const char *path, size_t *len, bool *missing, char *err, size_t errlen);

#endif
