#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/sockname_cache.h"

/* A kernel that answers with port `port` and counts its answers. */
typedef struct {
    int asked;
    uint16_t port;
} kernel_t;

static socklen_t
ask(void *arg, struct sockaddr *out)
{
    kernel_t *k = arg;
    k->asked++;
    if (k->port == 0)
        return 0;
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(k->port)};
    memcpy(out, &in, sizeof(in));
    return sizeof(in);
}

static uint16_t
port_of(const struct sockaddr_storage *ss)
{
    return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static keel_sockname_cache_t cache; /* too big for the stack of a test */

static void
test_asked_once_per_connection(void **state)
{
    (void)state;
    memset(&cache, 0, sizeof(cache));
    kernel_t k = {.port = 8443};
    struct sockaddr_storage out;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(keel_sockname_cached(&cache, 7, ask, &k, (struct sockaddr *)&out), sizeof(struct sockaddr_in));
        assert_int_equal(port_of(&out), 8443);
    }
    assert_int_equal(k.asked, 1);
    /* another connection is asked for its own */
    k.port = 8080;
    assert_int_equal(keel_sockname_cached(&cache, 8, ask, &k, (struct sockaddr *)&out), sizeof(struct sockaddr_in));
    assert_int_equal(port_of(&out), 8080);
    assert_int_equal(k.asked, 2);
    keel_sockname_cached(&cache, 7, ask, &k, (struct sockaddr *)&out);
    assert_int_equal(port_of(&out), 8443);
    assert_int_equal(k.asked, 2);
}

static void
test_a_collision_asks_again_and_is_never_wrong(void **state)
{
    (void)state;
    memset(&cache, 0, sizeof(cache));
    kernel_t k = {.port = 443};
    struct sockaddr_storage out;
    keel_sockname_cached(&cache, 5, ask, &k, (struct sockaddr *)&out);
    /* the same slot, a later connection on another listener */
    k.port = 80;
    keel_sockname_cached(&cache, 5 + KEEL_SOCKNAME_SLOTS, ask, &k, (struct sockaddr *)&out);
    assert_int_equal(port_of(&out), 80);
    k.port = 443;
    keel_sockname_cached(&cache, 5, ask, &k, (struct sockaddr *)&out);
    assert_int_equal(port_of(&out), 443);
    assert_int_equal(k.asked, 3);
}

static void
test_unknown_and_id_zero_are_not_kept(void **state)
{
    (void)state;
    memset(&cache, 0, sizeof(cache));
    kernel_t k = {.port = 0};
    struct sockaddr_storage out;
    assert_int_equal(keel_sockname_cached(&cache, 9, ask, &k, (struct sockaddr *)&out), 0);
    k.port = 9000;
    assert_int_equal(keel_sockname_cached(&cache, 9, ask, &k, (struct sockaddr *)&out), sizeof(struct sockaddr_in));
    assert_int_equal(k.asked, 2);
    /* id 0 is no connection's: asked each time */
    keel_sockname_cached(&cache, 0, ask, &k, (struct sockaddr *)&out);
    keel_sockname_cached(&cache, 0, ask, &k, (struct sockaddr *)&out);
    assert_int_equal(k.asked, 4);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asked_once_per_connection),
        cmocka_unit_test(test_a_collision_asks_again_and_is_never_wrong),
        cmocka_unit_test(test_unknown_and_id_zero_are_not_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
