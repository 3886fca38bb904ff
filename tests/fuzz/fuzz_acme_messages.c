/*
 * Fuzzes src/acme/messages.c: the input is taken as each JSON object an
 * ACME server sends (directory, order, authorization, problem document).
 * The server is on the other side of the network, so besides the absence
 * of crashes and leaks, each success is checked against the header's
 * promises: required URLs present, bounds kept, tokens base64url, problem
 * text terminated within its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "acme/b64url.h"
#include "acme/messages.h"
#include "fuzz_check.h"

static void
check_problem_text(const json_t *problem)
{
    const size_t sizes[] = {1, 2, 16, 512};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char *buf = malloc(sizes[i]);
        CHECK(buf != NULL);
        keel_acme_problem_text(problem, buf, sizes[i]);
        CHECK(strnlen(buf, sizes[i]) < sizes[i]);
        free(buf);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_dup(data, size);
    char err[256];

    keel_acme_directory_t d;
    if (keel_acme_directory_parse(body, size, &d, err, sizeof(err)) == 0) {
        CHECK(d.root != NULL && d.new_nonce != NULL && d.new_account != NULL && d.new_order != NULL);
        CHECK(d.new_nonce[0] != '\0' && d.new_order[0] != '\0');
        keel_acme_directory_free(&d);
    } else {
        CHECK(d.root == NULL && strnlen(err, sizeof(err)) < sizeof(err));
    }

    keel_acme_order_t o;
    if (keel_acme_order_parse(body, size, &o, err, sizeof(err)) == 0) {
        CHECK(o.status != KEEL_ACME_STATUS_UNKNOWN && o.finalize != NULL);
        CHECK(o.n_authorizations >= 1 && o.n_authorizations <= KEEL_ACME_MAX_AUTHZ);
        for (size_t i = 0; i < o.n_authorizations; i++)
            CHECK(o.authorizations[i] != NULL && o.authorizations[i][0] != '\0');
        check_problem_text(o.error);
        keel_acme_order_free(&o);
    } else {
        CHECK(o.root == NULL);
    }

    keel_acme_authz_t a;
    if (keel_acme_authz_parse(body, size, &a, err, sizeof(err)) == 0) {
        CHECK(a.status != KEEL_ACME_STATUS_UNKNOWN && a.identifier != NULL);
        CHECK(a.n_challenges <= KEEL_ACME_MAX_CHALLENGES);
        for (size_t i = 0; i < a.n_challenges; i++) {
            const keel_acme_challenge_t *c = &a.challenges[i];
            CHECK(c->type != NULL && c->url != NULL);
            if (c->token != NULL)
                CHECK(keel_b64url_is_token(c->token, strlen(c->token)));
            CHECK(keel_acme_authz_challenge(&a, c->type) != NULL);
            check_problem_text(c->error);
        }
        keel_acme_authz_free(&a);
    } else {
        CHECK(a.root == NULL);
    }

    json_t *p = keel_acme_problem_parse(body, size);
    check_problem_text(p);
    (void)keel_acme_problem_is(p, "badNonce");
    json_decref(p);

    free(body);
    return 0;
}
