/* Fuzzes what a client of the admin listener chooses for the dashboard:
 * the query of /dashboard.json, and the raw path the guard routes (a page
 * needs no token, so only "/" and /assets/NAME may be one; the probes,
 * /healthz and /readyz, need none either). */
#include <stddef.h>
#include <stdint.h>

#include "front/admin_guard.h"
#include "front/dashboard_query.h"
#include "fuzz_check.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    keel_dashboard_query_t q;
    if (keel_dashboard_query_parse(text, size, &q) == 0) {
        CHECK(q.samples_after < 1000000000000000000ull);
        CHECK(q.events_after < 1000000000000000000ull);
    }
    keel_admin_request_t r = {
        .method = {"GET", 3},
        .target = {text, size},
        .host = {"127.0.0.1", 9},
    };
    keel_admin_verdict_t with_token = keel_admin_check(&r, "token", 5);
    keel_admin_verdict_t without = keel_admin_check(&r, NULL, 0);
    if (with_token == KEEL_ADMIN_PAGE) {
        CHECK(without == KEEL_ADMIN_PAGE);
        size_t n = 0;
        while (n < size && text[n] != '?')
            n++;
        int root = n == 1 && text[0] == '/';
        int asset = n > 8 && memcmp(text, "/assets/", 8) == 0 && text[8] != '.';
        for (size_t i = 8; asset && i < n; i++)
            asset = (text[i] >= 'a' && text[i] <= 'z') || (text[i] >= '0' && text[i] <= '9') || text[i] == '.' ||
                    text[i] == '-';
        CHECK(root || asset);
    } else if (with_token == KEEL_ADMIN_HEALTHZ || with_token == KEEL_ADMIN_READYZ) {
        /* the probes need no token either, and only by their exact path */
        CHECK(without == with_token);
        size_t n = 0;
        while (n < size && text[n] != '?')
            n++;
        CHECK((n == 8 && memcmp(text, "/healthz", 8) == 0) || (n == 7 && memcmp(text, "/readyz", 7) == 0));
    } else {
        /* everything else needs the token */
        CHECK(with_token == KEEL_ADMIN_UNAUTHORIZED);
    }
    free(text);
    return 0;
}
