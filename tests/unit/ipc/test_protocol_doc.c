/*
 * docs/protocol.md against the code: its message table must list every
 * message of KEEL_IPC_MESSAGES under its number and no other, state the
 * fixed payload sizes the codecs have, and the constants it names must
 * hold the values it gives. The document's path is the first argument
 * (tests/unit/meson.build passes it).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipc/control.h"
#include "ipc/frame.h"
#include "ipc/message.h"
#include "ipc/queue.h"

static const struct {
    unsigned num;
    const char *name;
} listed[] = {
#define LISTED(name, num, doc) {num, #name},
    KEEL_IPC_MESSAGES(LISTED)
#undef LISTED
};
#define LISTED_COUNT (sizeof(listed) / sizeof(listed[0]))

typedef struct {
    char *text; /* the whole document, NUL-terminated */
    char *flat; /* the same with each run of white space made one space, as the prose wraps anywhere */
} doc_t;

static char *
flatten(const char *text)
{
    char *flat = malloc(strlen(text) + 1), *o = flat;
    if (flat == NULL)
        return NULL;
    for (const char *p = text; *p; p++) {
        bool space = *p == ' ' || *p == '\n' || *p == '\t';
        if (!space)
            *o++ = *p;
        else if (o != flat && o[-1] != ' ')
            *o++ = ' ';
    }
    *o = '\0';
    return flat;
}

/* Returns the file's bytes, NUL-terminated, or NULL. */
static char *
read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0, n;
    char *text = malloc(cap + 1);
    while (text != NULL && (n = fread(text + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *bigger = realloc(text, 2 * cap + 1);
            if (bigger == NULL)
                free(text);
            text = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (text != NULL)
        text[len] = '\0';
    return text;
}

/* The message table's row for `name`, as a NUL-terminated copy in row
 * (empty when there is none); the number of such rows is returned. A row
 * reads "| NUMBER | `NAME` | ...". */
static int
find_row(const char *text, const char *name, unsigned *num, char *row, size_t rowlen)
{
    int found = 0;
    row[0] = '\0';
    for (const char *line = text; *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line)) {
        unsigned n;
        char got[64];
        if (sscanf(line, "| %u | `%63[A-Z_]` |", &n, got) != 2 || strcmp(got, name) != 0)
            continue;
        found++;
        *num = n;
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        snprintf(row, rowlen, "%.*s", (int)len, line);
    }
    return found;
}

static void
test_every_message_listed_once(void **state)
{
    const doc_t *doc = *state;
    for (size_t i = 0; i < LISTED_COUNT; i++) {
        unsigned num = 0;
        char row[1024];
        int rows = find_row(doc->text, listed[i].name, &num, row, sizeof(row));
        if (rows != 1)
            fail_msg("docs/protocol.md's message table has %d rows for %s, not 1", rows, listed[i].name);
        if (num != listed[i].num)
            fail_msg("docs/protocol.md gives %s the number %u; KEEL_IPC_MESSAGES says %u", listed[i].name, num,
                     listed[i].num);
    }
}

static void
test_no_message_the_code_lacks(void **state)
{
    const doc_t *doc = *state;
    for (const char *line = doc->text; *line;
         line = strchr(line, '\n') ? strchr(line, '\n') + 1 : line + strlen(line)) {
        unsigned n;
        char name[64];
        if (sscanf(line, "| %u | `%63[A-Z_]` |", &n, name) != 2)
            continue;
        const char *known = keel_ipc_type_name(n);
        if (known == NULL || strcmp(known, name) != 0)
            fail_msg("docs/protocol.md lists %s as %u, which KEEL_IPC_MESSAGES does not hold", name, n);
    }
}

static void
test_payload_sizes(void **state)
{
    const doc_t *doc = *state;
    static const struct {
        const char *name;
        size_t size;
    } fixed[] = {
        {"REQ_DONE", KEEL_IPC_STATS_SIZE},
        {"OPCACHE_STATS", KEEL_IPC_OPCACHE_STATS_SIZE},
        {"SPAWN", KEEL_IPC_SPAWN_SIZE},
        {"WORKER_UP", KEEL_IPC_WORKER_UP_SIZE},
        {"WORKER_EXIT", KEEL_IPC_WORKER_EXIT_SIZE},
        {"BACKTRACE", KEEL_IPC_BACKTRACE_SIZE},
        {"ZYGOTE_READY", KEEL_IPC_ZYGOTE_READY_SIZE},
        {"PHP_INFO", KEEL_IPC_PHP_INFO_FIXED}, /* its fixed fields */
    };
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        unsigned num;
        char row[1024], want[32];
        assert_int_equal(find_row(doc->text, fixed[i].name, &num, row, sizeof(row)), 1);
        snprintf(want, sizeof(want), "| %zu bytes", fixed[i].size);
        if (strstr(row, want) == NULL)
            fail_msg("docs/protocol.md's row for %s does not say its payload is %zu bytes", fixed[i].name,
                     fixed[i].size);
    }
}

/* A phrase the document must hold, with a number from the code in it. */
static void
expect_phrase(const doc_t *doc, const char *fmt, unsigned long value)
{
    char want[256];
    snprintf(want, sizeof(want), fmt, value);
    if (strstr(doc->flat, want) == NULL)
        fail_msg("docs/protocol.md does not say \"%s\"", want);
}

static void
test_constants(void **state)
{
    const doc_t *doc = *state;
    expect_phrase(doc, "at most %lu (`KEEL_QUEUE_PER_WORKER`", KEEL_QUEUE_PER_WORKER);
    expect_phrase(doc, "at most %lu bytes (`KEEL_IPC_PATH_MAX`)", KEEL_IPC_PATH_MAX);
    expect_phrase(doc, "Frame header (%lu bytes, little-endian)", KEEL_IPC_HEADER_SIZE);
    assert_int_equal(KEEL_IPC_MAX_PAYLOAD, 1u << 20);
    expect_phrase(doc, "at most %lu MiB (`KEEL_IPC_MAX_PAYLOAD`)", KEEL_IPC_MAX_PAYLOAD >> 20);
    expect_phrase(doc, "a `memfd` of %lu pages", KEEL_QUEUE_CLAIM_SLOTS);
}

int
main(int argc, char **argv)
{
    doc_t doc = {.text = argc > 1 ? read_file(argv[1]) : NULL};
    doc.flat = doc.text ? flatten(doc.text) : NULL;
    if (doc.flat == NULL) {
        fprintf(stderr, "usage: %s PATH/TO/docs/protocol.md (%s: cannot read it)\n", argv[0],
                argc > 1 ? argv[1] : "no path given");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(test_every_message_listed_once, &doc),
        cmocka_unit_test_prestate(test_no_message_the_code_lacks, &doc),
        cmocka_unit_test_prestate(test_payload_sizes, &doc),
        cmocka_unit_test_prestate(test_constants, &doc),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(doc.text);
    free(doc.flat);
    return failed;
}
