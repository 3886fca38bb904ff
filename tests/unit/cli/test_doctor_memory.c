/* Tests for src/cli/doctor_memory.c: each check with a set-up that
 * triggers it and one that does not. */
#include "doctor_fixture.h"

static void
test_budget_fits(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_budget, "memory budget");
    assert_level(r, KEEL_FINDING_OK);
    /* the arithmetic: 136 + 8 + 24 + 4 x 128 + 0 + 64 = 744 MiB of 1 GiB */
    assert_says(r, "limit 1.0 GiB (cgroup v2 memory.max); needed 744 MiB = opcache 136 MiB + front 8 MiB + zygote 24 "
                   "MiB + 4 workers x 128 MiB + tmpfs 0 B + reserve 64 MiB; fits (room for 6 workers)");
    free(x);
}

static void
test_budget_does_not_fit(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    x->cfg.workers = 8;
    const keel_finding_t *r = check_one(x, keel_doctor_check_budget, "memory budget");
    assert_level(r, KEEL_FINDING_ERROR);
    assert_says(r, "8 workers x 128 MiB");
    assert_says(r, "does not fit (room for 6 workers)");
    assert_says(r, "lower --workers or --max-worker-memory");
    /* a lower ceiling makes it fit */
    x->cfg.max_worker_memory = 64u << 20;
    assert_level(check_one(x, keel_doctor_check_budget, "memory budget"), KEEL_FINDING_OK);
    free(x);
}

static void
test_budget_counts_tmpfs_and_worker_mode(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    x->cfg.worker_script = "worker.php";
    x->f.mount_used[0] = 200u << 20;
    snprintf(x->php.temp_dir, sizeof(x->php.temp_dir), "/dev/shm");
    const keel_finding_t *r = check_one(x, keel_doctor_check_budget, "memory budget");
    assert_says(r, "5 workers x 128 MiB + tmpfs 200 MiB");
    assert_level(r, KEEL_FINDING_ERROR);
    free(x);
}

static void
test_budget_without_ceiling_or_limit(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    php_set(x, "memory_limit", "-1");
    const keel_finding_t *r = check_one(x, keel_doctor_check_budget, "memory budget");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "memory_limit is -1");
    x->cfg.max_worker_memory = 96u << 20;
    assert_level(check_one(x, keel_doctor_check_budget, "memory budget"), KEEL_FINDING_OK);
    x->f.have_limit = false;
    assert_level(check_one(x, keel_doctor_check_budget, "memory budget"), KEEL_FINDING_WARN);
    free(x);
}

static void
test_budget_workers_auto(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    x->cfg.workers = 0;
    const keel_finding_t *r = check_one(x, keel_doctor_check_budget, "memory budget");
    assert_level(r, KEEL_FINDING_OK);
    assert_says(r, "--workers auto: 4 for 2 CPUs");
    free(x);
}

static void
test_budget_needs_php(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    x->php.started = false;
    keel_doctor_check_budget(&x->f, &x->out);
    assert_int_equal(x->out.count, 0); /* the php check says why */
    free(x);
}

static void
test_tmpfs(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    const keel_finding_t *r = check_one(x, keel_doctor_check_tmpfs, "tmpfs");
    assert_level(r, KEEL_FINDING_OK);
    assert_says(r, "sys_get_temp_dir() /tmp, upload_tmp_dir /tmp, session.save_path /var/lib/php/sessions, the "
                   "application /srv/app");

    /* sessions on /dev/shm, as a container image might put them */
    php_set(x, "session.save_path", "2;0700;/dev/shm/sessions");
    x->f.mount_used[0] = 3u << 20;
    r = check_one(x, keel_doctor_check_tmpfs, "tmpfs");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "/dev/shm is memory-backed (tmpfs, 3 MiB used) and holds session.save_path /dev/shm/sessions");
    assert_says(r, "session.gc_probability is 0");

    /* the temporary directory too: one finding for the mount, naming both */
    snprintf(x->php.temp_dir, sizeof(x->php.temp_dir), "/dev/shm");
    r = check_one(x, keel_doctor_check_tmpfs, "tmpfs");
    assert_says(r, "sys_get_temp_dir() /dev/shm, upload_tmp_dir /dev/shm, session.save_path /dev/shm/sessions");
    free(x);
}

static void
test_tmpfs_other_writers(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    x->f.mount_count = 2;
    snprintf(x->f.mounts[1].mountpoint, sizeof(x->f.mounts[1].mountpoint), "/srv");
    snprintf(x->f.mounts[1].fstype, sizeof(x->f.mounts[1].fstype), "tmpfs");
    php_set(x, "error_log", "/var/log/php/error.log");
    php_set(x, "opcache.file_cache", "/dev/shm/opcache");
    /* sessions elsewhere than files: no directory */
    php_set(x, "session.save_handler", "redis");
    php_set(x, "session.save_path", "tcp://10.0.0.1:6379");
    keel_doctor_check_tmpfs(&x->f, &x->out);
    assert_int_equal(x->out.count, 2);
    assert_says(&x->out.items[0], "/dev/shm is memory-backed");
    assert_says(&x->out.items[0], "opcache.file_cache /dev/shm/opcache");
    assert_says(&x->out.items[1], "/srv is memory-backed");
    assert_says(&x->out.items[1], "the application /srv/app");
    assert_null(strstr(x->out.items[1].text, "6379"));
    assert_null(strstr(x->out.items[1].text, "gc_probability"));
    free(x);
}

static void
test_recycling(void **state)
{
    (void)state;
    fixture_t *x = fixture_new();
    assert_level(check_one(x, keel_doctor_check_recycling, "recycling"), KEEL_FINDING_OK);

    x->cfg.worker_script = "worker.php";
    const keel_finding_t *r = check_one(x, keel_doctor_check_recycling, "recycling");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "worker mode without --max-requests or a memory ceiling");
    x->cfg.max_worker_memory = 96u << 20;
    assert_level(check_one(x, keel_doctor_check_recycling, "recycling"), KEEL_FINDING_OK);
    x->cfg.max_worker_memory = 0;
    x->cfg.max_worker_memory_hard = 256u << 20;
    assert_level(check_one(x, keel_doctor_check_recycling, "recycling"), KEEL_FINDING_OK);
    x->cfg.max_worker_memory_hard = 0;

    /* --max-requests: the workers restart together unless jittered */
    x->cfg.max_requests = 1000;
    r = check_one(x, keel_doctor_check_recycling, "recycling");
    assert_level(r, KEEL_FINDING_WARN);
    assert_says(r, "--max-requests-jitter 100");
    x->cfg.max_requests_jitter = 100;
    assert_level(check_one(x, keel_doctor_check_recycling, "recycling"), KEEL_FINDING_OK);
    /* a single worker has nobody to restart with */
    x->cfg.worker_script = NULL;
    x->cfg.max_requests_jitter = 0;
    x->cfg.workers = 1;
    assert_level(check_one(x, keel_doctor_check_recycling, "recycling"), KEEL_FINDING_OK);
    free(x);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_fits),
        cmocka_unit_test(test_budget_does_not_fit),
        cmocka_unit_test(test_budget_counts_tmpfs_and_worker_mode),
        cmocka_unit_test(test_budget_without_ceiling_or_limit),
        cmocka_unit_test(test_budget_workers_auto),
        cmocka_unit_test(test_budget_needs_php),
        cmocka_unit_test(test_tmpfs),
        cmocka_unit_test(test_tmpfs_other_writers),
        cmocka_unit_test(test_recycling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
