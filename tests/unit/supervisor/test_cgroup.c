/* Tests for src/supervisor/cgroup.c: the parsers, and the readers on
 * sample cgroup v2 and v1 trees written to a temp dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervisor/cgroup.h"
#include "../temp_tree.h"

#define MIB ((uint64_t)1 << 20)

/* What a v2 group's memory.stat starts with (kernel 6.x). */
static const char v2_stat[] = "anon 104857600\n"
                              "file 52428800\n"
                              "kernel 3145728\n"
                              "kernel_stack 131072\n"
                              "pagetables 1048576\n"
                              "sec_pagetables 0\n"
                              "percpu 0\n"
                              "sock 0\n"
                              "vmalloc 0\n"
                              "shmem 41943040\n"
                              "zswap 0\n"
                              "file_mapped 8388608\n"
                              "file_dirty 0\n"
                              "active_anon 100000000\n"
                              "inactive_anon 4857600\n"
                              "active_file 2097152\n"
                              "inactive_file 10485760\n"
                              "unevictable 0\n";

/* This machine's v1 memory.stat, abridged. */
static const char v1_stat[] = "cache 454656\n"
                              "rss 1789952\n"
                              "shmem 0\n"
                              "inactive_file 102400\n"
                              "hierarchical_memory_limit 268435456\n"
                              "hierarchical_memsw_limit 9223372036854771712\n"
                              "total_cache 30408704\n"
                              "total_rss 1789952\n"
                              "total_shmem 25165824\n"
                              "total_inactive_file 4194304\n";

static void
test_kv(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(keel_cgroup_kv(v2_stat, "shmem", &v), 0);
    assert_true(v == 40 * MIB);
    assert_int_equal(keel_cgroup_kv(v2_stat, "inactive_file", &v), 0);
    assert_true(v == 10 * MIB);
    /* a key is a whole word: "file" is not "file_mapped" nor "inactive_file" */
    assert_int_equal(keel_cgroup_kv(v2_stat, "file", &v), 0);
    assert_true(v == 50 * MIB);
    assert_int_equal(keel_cgroup_kv(v1_stat, "total_shmem", &v), 0);
    assert_true(v == 24 * MIB);
    assert_int_equal(keel_cgroup_kv(v1_stat, "shmem", &v), 0);
    assert_true(v == 0);
    v = 7;
    assert_int_equal(keel_cgroup_kv(v2_stat, "shmem_thp", &v), -1);
    assert_int_equal(keel_cgroup_kv(v2_stat, "", &v), -1);
    assert_int_equal(keel_cgroup_kv(NULL, "shmem", &v), -1);
    assert_int_equal(keel_cgroup_kv("shmem x\n", "shmem", &v), -1);
    assert_int_equal(keel_cgroup_kv("shmem 12 kB\n", "shmem", &v), -1);
    assert_int_equal(keel_cgroup_kv("shmem 99999999999999999999\n", "shmem", &v), -1);
    assert_int_equal(keel_cgroup_kv("shmem\n", "shmem", &v), -1);
    assert_true(v == 7);
    /* the last line needs no newline */
    assert_int_equal(keel_cgroup_kv("oom 0\noom_kill 3", "oom_kill", &v), 0);
    assert_true(v == 3);
    assert_int_equal(keel_cgroup_kv("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "oom_kill", &v), 0);
    assert_true(v == 2);
}

static void
test_psi(void **state)
{
    (void)state;
    const char *text = "some avg10=12.34 avg60=1.00 avg300=0.50 total=123456\n"
                       "full avg10=0.07 avg60=0.00 avg300=0.00 total=99\n";
    unsigned c = 1;
    assert_int_equal(keel_psi_avg10(text, "some", &c), 0);
    assert_int_equal(c, 1234);
    assert_int_equal(keel_psi_avg10(text, "full", &c), 0);
    assert_int_equal(c, 7);
    assert_int_equal(keel_psi_avg10("some avg10=100.00 avg60=0\n", "some", &c), 0);
    assert_int_equal(c, 10000);
    assert_int_equal(keel_psi_avg10("some avg10=5 avg60=0\n", "some", &c), 0);
    assert_int_equal(c, 500);
    assert_int_equal(keel_psi_avg10("some avg10=5.5 avg60=0\n", "some", &c), 0);
    assert_int_equal(c, 550);
    c = 1;
    const char *bad[] = {"some avg10=abc\n",
                         "some avg10=101.00 x\n",
                         "some avg10=5. x\n",
                         "some avg10=\n",
                         "somex avg10=1.00\n",
                         "some avg10=1.00x\n",
                         "",
                         "full avg10=1.00\n"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(keel_psi_avg10(bad[i], "some", &c), -1);
    assert_int_equal(c, 1);
    assert_int_equal(keel_psi_avg10(NULL, "some", &c), -1);
}

/* --- sample trees --- */

static void
test_v2_group(void **state)
{
    temp_tree_t *t = *state;
    /* a pod's group inside a limited parent: the parent's limit binds */
    temp_tree_put(t, "kubepods/memory.max", "536870912\n");
    temp_tree_put(t, "kubepods/pod1/memory.max", "max\n");
    temp_tree_put(t, "kubepods/pod1/memory.current", "167772160\n");
    temp_tree_put(t, "kubepods/pod1/memory.stat", v2_stat);
    temp_tree_put(t, "kubepods/pod1/memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
    temp_tree_put(t, "kubepods/pod1/memory.pressure",
                  "some avg10=2.50 avg60=0.00 avg300=0.00 total=1\n"
                  "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
    keel_cgroup_t cg;
    assert_int_equal(keel_cgroup_locate(&cg, "0::/kubepods/pod1\n", t->root), 0);
    assert_int_equal(cg.version, 2);
    char want[512];
    snprintf(want, sizeof(want), "%s/kubepods/pod1", t->root);
    assert_string_equal(cg.dir, want);

    keel_cgroup_sample_t s;
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE | KEEL_CGROUP_STAT | KEEL_CGROUP_EVENTS, &s), 0);
    assert_true(s.have_usage && s.have_stat && s.have_events);
    assert_true(s.limit == 512 * MIB);
    assert_true(s.usage == 160 * MIB);
    assert_true(s.shmem == 40 * MIB);
    assert_string_equal(s.shmem_source, "cgroup v2 memory.stat shmem");
    assert_true(s.inactive_file == 10 * MIB);
    assert_true(keel_cgroup_working_set(&s) == 150 * MIB);
    assert_true(s.oom_kills == 1);
    assert_true(s.max_events == 12);
    assert_int_equal(s.psi_some_centi, 250);

    /* only what is asked for */
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE, &s), 0);
    assert_true(s.have_usage && !s.have_stat && !s.have_events);
    assert_int_equal(s.psi_some_centi, -1);
    assert_true(s.shmem == 0);
}

static void
test_v2_container_root(void **state)
{
    temp_tree_t *t = *state;
    /* a container's namespace shows its own group at the root, while
     * /proc/self/cgroup names the host's path */
    temp_tree_put(t, "memory.max", "268435456\n");
    temp_tree_put(t, "memory.current", "1048576\n");
    keel_cgroup_t cg;
    assert_int_equal(keel_cgroup_locate(&cg, "0::/docker/abc\n", t->root), 0);
    assert_int_equal(cg.version, 2);
    assert_string_equal(cg.dir, t->root);
    keel_cgroup_sample_t s;
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE | KEEL_CGROUP_STAT | KEEL_CGROUP_EVENTS, &s), 0);
    assert_true(s.limit == 256 * MIB && s.usage == MIB);
    /* no memory.stat, no events: not known, not zero */
    assert_false(s.have_stat);
    assert_false(s.have_events);
    assert_int_equal(s.psi_some_centi, -1);
    /* out of the namespace: the root, never the path */
    assert_int_equal(keel_cgroup_locate(&cg, "0::/../../x\n", t->root), 0);
    assert_string_equal(cg.dir, t->root);
}

static void
test_v1_hybrid(void **state)
{
    temp_tree_t *t = *state;
    /* this machine: v1 memory controller, an empty unified hierarchy */
    temp_tree_put(t, "unified/cgroup.controllers", "\n");
    temp_tree_put(t, "memory/memory.limit_in_bytes", "9223372036854771712\n");
    temp_tree_put(t, "memory/memory.usage_in_bytes", "999999999\n");
    temp_tree_put(t, "memory/process_api/abc/memory.limit_in_bytes", "9223372036854771712\n");
    temp_tree_put(t, "memory/process_api/abc/keel-1/memory.limit_in_bytes", "268435456\n");
    temp_tree_put(t, "memory/process_api/abc/keel-1/memory.usage_in_bytes", "104857600\n");
    temp_tree_put(t, "memory/process_api/abc/keel-1/memory.stat", v1_stat);
    temp_tree_put(t, "memory/process_api/abc/keel-1/memory.oom_control",
                  "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
    const char *cgtext = "9:name=systemd:/\n4:memory:/process_api/abc/keel-1\n1:cpu:/\n0::/\n";
    keel_cgroup_t cg;
    assert_int_equal(keel_cgroup_locate(&cg, cgtext, t->root), 0);
    assert_int_equal(cg.version, 1);
    keel_cgroup_sample_t s;
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE | KEEL_CGROUP_STAT | KEEL_CGROUP_EVENTS, &s), 0);
    assert_true(s.limit == 256 * MIB);
    assert_true(s.usage == 100 * MIB);
    /* the group with its children */
    assert_true(s.shmem == 24 * MIB);
    assert_string_equal(s.shmem_source, "cgroup v1 memory.stat total_shmem");
    assert_true(s.inactive_file == 4 * MIB);
    assert_true(s.oom_kills == 4);
    assert_true(s.max_events == 0);
    assert_int_equal(s.psi_some_centi, -1);

    /* a limit set on an ancestor only */
    temp_tree_put(t, "memory/process_api/abc/memory.limit_in_bytes", "134217728\n");
    temp_tree_put(t, "memory/process_api/abc/keel-1/memory.limit_in_bytes", "9223372036854771712\n");
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE, &s), 0);
    assert_true(s.limit == 128 * MIB);
}

static void
test_v1_without_totals(void **state)
{
    temp_tree_t *t = *state;
    temp_tree_put(t, "memory/g/memory.usage_in_bytes", "4096\n");
    temp_tree_put(t, "memory/g/memory.stat", "shmem 8192\ninactive_file 4096\n");
    keel_cgroup_t cg;
    assert_int_equal(keel_cgroup_locate(&cg, "3:memory:/g\n", t->root), 0);
    keel_cgroup_sample_t s;
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE | KEEL_CGROUP_STAT, &s), 0);
    assert_true(s.shmem == 8192);
    assert_string_equal(s.shmem_source, "cgroup v1 memory.stat shmem");
    assert_true(s.limit == UINT64_MAX);
    assert_true(keel_cgroup_working_set(&s) == 0);
}

static void
test_nothing(void **state)
{
    temp_tree_t *t = *state;
    keel_cgroup_t cg;
    assert_int_equal(keel_cgroup_locate(&cg, "0::/\n", t->root), -1);
    assert_int_equal(keel_cgroup_locate(&cg, NULL, t->root), -1);
    keel_cgroup_sample_t s;
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE, &s), -1);
    assert_int_equal(keel_cgroup_sample(NULL, KEEL_CGROUP_USAGE, &s), -1);
    /* the group is there but its usage cannot be read */
    temp_tree_put(t, "memory.current", "lots\n");
    assert_int_equal(keel_cgroup_locate(&cg, "0::/\n", t->root), 0);
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE, &s), -1);
    assert_false(s.have_usage);
}

static void
test_real_system(void **state)
{
    (void)state;
    /* whatever this machine has, reading it must not fail half-way */
    keel_cgroup_t cg;
    if (keel_cgroup_locate_self(&cg, NULL) != 0)
        skip();
    keel_cgroup_sample_t s;
    assert_int_equal(keel_cgroup_sample(&cg, KEEL_CGROUP_USAGE | KEEL_CGROUP_STAT | KEEL_CGROUP_EVENTS, &s), 0);
    assert_true(s.usage > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv),
        cmocka_unit_test(test_psi),
        cmocka_unit_test_setup_teardown(test_v2_group, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_v2_container_root, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_v1_hybrid, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_v1_without_totals, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_nothing, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test(test_real_system),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
