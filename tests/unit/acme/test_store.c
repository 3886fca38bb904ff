/* Tests for src/acme/store.c, in a scratch directory: modes, atomic
 * replacement, and the name a CA's files go under. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "acme/store.h"

static int
setup(void **state)
{
    char *dir = strdup("/tmp/keel-test-store.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    *state = dir;
    return 0;
}

static int
teardown(void **state)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
    int rc = system(cmd);
    free(*state);
    return rc == 0 ? 0 : -1;
}

static mode_t
mode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 07777;
}

static void
test_ca_names(void **state)
{
    (void)state;
    char out[128];
    keel_acme_store_ca_name("https://acme-v02.api.letsencrypt.org/directory", out, sizeof(out));
    assert_string_equal(out, "acme-v02.api.letsencrypt.org_directory");
    keel_acme_store_ca_name("https://127.0.0.1:14000/dir", out, sizeof(out));
    assert_string_equal(out, "127.0.0.1_14000_dir");
    keel_acme_store_ca_name("https://ca.example/", out, sizeof(out));
    assert_string_equal(out, "ca.example");
    keel_acme_store_ca_name("https://../..", out, sizeof(out));
    assert_string_equal(out, ".._..");
    keel_acme_store_ca_name("https://..", out, sizeof(out));
    assert_string_equal(out, "_");
    keel_acme_store_ca_name("https://", out, sizeof(out));
    assert_string_equal(out, "_");
    keel_acme_store_ca_name("https://a/b/../c", out, sizeof(out));
    assert_null(strchr(out, '/'));
    char small[6];
    keel_acme_store_ca_name("https://ca.example/", small, sizeof(small));
    assert_string_equal(small, "ca.ex");
}

static void
test_mkdirs_creates_private_directories(void **state)
{
    char path[512], err[256];
    snprintf(path, sizeof(path), "%s/state/acme/ca", (char *)*state);
    mode_t old = umask(0);
    assert_int_equal(keel_acme_store_mkdirs(path, err, sizeof(err)), 0);
    umask(old);
    assert_int_equal(mode_of(path), 0700);
    snprintf(path, sizeof(path), "%s/state", (char *)*state);
    assert_int_equal(mode_of(path), 0700);
    /* again: nothing to do */
    assert_int_equal(keel_acme_store_mkdirs(path, err, sizeof(err)), 0);
    /* a file in the way */
    snprintf(path, sizeof(path), "%s/file", (char *)*state);
    assert_int_equal(keel_acme_store_write(path, "x", 1, err, sizeof(err)), 0);
    assert_int_equal(keel_acme_store_mkdirs(path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a directory"));
    snprintf(path, sizeof(path), "%s/file/below", (char *)*state);
    assert_int_equal(keel_acme_store_mkdirs(path, err, sizeof(err)), -1);
}

static void
test_write_replaces_with_mode_0600(void **state)
{
    char path[512], err[256];
    snprintf(path, sizeof(path), "%s/key.pem", (char *)*state);
    mode_t old = umask(0);
    assert_int_equal(keel_acme_store_write(path, "first", 5, err, sizeof(err)), 0);
    umask(old);
    assert_int_equal(mode_of(path), 0600);
    struct stat before;
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(keel_acme_store_write(path, "second!", 7, err, sizeof(err)), 0);
    struct stat after;
    assert_int_equal(stat(path, &after), 0);
    /* a new file took its place (rename), not a rewrite in place */
    assert_int_not_equal(before.st_ino, after.st_ino);
    size_t len;
    bool missing;
    char *data = keel_acme_store_read(path, &len, &missing, err, sizeof(err));
    assert_non_null(data);
    assert_int_equal(len, 7);
    assert_string_equal(data, "second!");
    free(data);
    /* nothing left beside it */
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "%s.new-%ld", path, (long)getpid());
    assert_int_equal(access(tmp, F_OK), -1);
    /* an unwritable directory leaves the file as it was */
    snprintf(path, sizeof(path), "%s/missing-dir/key.pem", (char *)*state);
    assert_int_equal(keel_acme_store_write(path, "x", 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot create"));
}

static void
test_read(void **state)
{
    char path[512], err[256];
    size_t len;
    bool missing;
    snprintf(path, sizeof(path), "%s/none", (char *)*state);
    assert_null(keel_acme_store_read(path, &len, &missing, err, sizeof(err)));
    assert_true(missing);
    /* a directory is not a file */
    assert_null(keel_acme_store_read((char *)*state, &len, &missing, err, sizeof(err)));
    assert_false(missing);
    /* a symbolic link is not followed */
    char target[512];
    snprintf(target, sizeof(target), "%s/target", (char *)*state);
    assert_int_equal(keel_acme_store_write(target, "t", 1, err, sizeof(err)), 0);
    snprintf(path, sizeof(path), "%s/link", (char *)*state);
    assert_int_equal(symlink(target, path), 0);
    assert_null(keel_acme_store_read(path, &len, &missing, err, sizeof(err)));
    assert_false(missing);
    /* an empty file reads as "" */
    snprintf(path, sizeof(path), "%s/empty", (char *)*state);
    assert_int_equal(keel_acme_store_write(path, "", 0, err, sizeof(err)), 0);
    char *data = keel_acme_store_read(path, &len, &missing, err, sizeof(err));
    assert_non_null(data);
    assert_int_equal(len, 0);
    assert_string_equal(data, "");
    free(data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ca_names),
        cmocka_unit_test_setup_teardown(test_mkdirs_creates_private_directories, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_replaces_with_mode_0600, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
