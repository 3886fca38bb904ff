/* Tests for src/supervisor/meminfo.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervisor/meminfo.h"
#include "../temp_tree.h"

#define KIB ((uint64_t)1024)
#define MIB (1024 * KIB)
#define GIB (1024 * MIB)

/* A sentinel that no parse writes, to see failures leave *out alone. */
#define UNTOUCHED ((uint64_t)0x5a5a5a5a5a5a5a5aULL)

static int
parse_v2(const char *text, uint64_t *v)
{
    *v = UNTOUCHED;
    return keel_cgroup_parse_value(text, v);
}

static void
test_cgroup_parse_value(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(parse_v2("max\n", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(parse_v2("max", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(parse_v2("123\n", &v), 0);
    assert_true(v == 123);
    assert_int_equal(parse_v2("0\n", &v), 0);
    assert_true(v == 0);
    assert_int_equal(parse_v2("536870912  \n", &v), 0);
    assert_true(v == 536870912);
    assert_int_equal(parse_v2("536870912\t\r\n", &v), 0);
    assert_true(v == 536870912);
    assert_int_equal(parse_v2("max \n", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(parse_v2("18446744073709551615\n", &v), 0);
    assert_true(v == UINT64_MAX);

    const char *bad[] = {
        "", "\n", "abc", "12a", "-1", "maxx", " 123", "max 5", "18446744073709551616", "1 2", "+5", "0x10",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse_v2(bad[i], &v), -1);
        assert_true(v == UNTOUCHED);
    }
    assert_int_equal(keel_cgroup_parse_value(NULL, &v), -1);
}

static void
test_cgroup_v1_parse_limit(void **state)
{
    (void)state;
    uint64_t v = 0;
    /* What v1 shows for "no limit" on 4 KiB pages: LONG_MAX rounded down. */
    assert_int_equal(keel_cgroup_v1_parse_limit("9223372036854771712\n", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(keel_cgroup_v1_parse_limit("536870912\n", &v), 0);
    assert_true(v == 536870912);
    /* 2^62 and just below it */
    assert_int_equal(keel_cgroup_v1_parse_limit("4611686018427387904\n", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(keel_cgroup_v1_parse_limit("4611686018427387903\n", &v), 0);
    assert_true(v == 4611686018427387903ULL);
    /* 64 KiB pages round LONG_MAX down further: still unlimited. */
    assert_int_equal(keel_cgroup_v1_parse_limit("9223372036854710272\n", &v), 0);
    assert_true(v == UINT64_MAX);
    v = UNTOUCHED;
    assert_int_equal(keel_cgroup_v1_parse_limit("max\n", &v), -1);
    assert_int_equal(keel_cgroup_v1_parse_limit("", &v), -1);
    assert_int_equal(keel_cgroup_v1_parse_limit("-1\n", &v), -1);
    assert_int_equal(keel_cgroup_v1_parse_limit("12 kB\n", &v), -1);
    assert_true(v == UNTOUCHED);
}

/* This machine: a hybrid layout, v1 controllers plus an empty unified
 * hierarchy. */
static const char hybrid_cgroup[] = "9:name=systemd:/\n"
                                    "8:pids:/\n"
                                    "7:blkio:/\n"
                                    "4:memory:/process_api/dd5cd72dec805a203591b59a7e7b230e\n"
                                    "2:cpuacct:/\n"
                                    "1:cpu:/\n"
                                    "0::/\n";

static void
test_proc_cgroup_path(void **state)
{
    (void)state;
    char out[256];

    const char *v1_only = "12:memory:/user.slice\n"
                          "11:cpu,cpuacct:/\n"
                          "1:name=systemd:/user.slice/session-1.scope\n";
    assert_int_equal(keel_proc_cgroup_path(v1_only, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "/user.slice");
    assert_int_equal(keel_proc_cgroup_path(v1_only, 1, out, sizeof(out)), -1);

    const char *v2_only = "0::/system.slice/keel.service\n";
    assert_int_equal(keel_proc_cgroup_path(v2_only, 1, out, sizeof(out)), 0);
    assert_string_equal(out, "/system.slice/keel.service");
    assert_int_equal(keel_proc_cgroup_path(v2_only, 0, out, sizeof(out)), -1);

    assert_int_equal(keel_proc_cgroup_path(hybrid_cgroup, 1, out, sizeof(out)), 0);
    assert_string_equal(out, "/");
    assert_int_equal(keel_proc_cgroup_path(hybrid_cgroup, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "/process_api/dd5cd72dec805a203591b59a7e7b230e");

    /* memory in a list of controllers; a named hierarchy is not it */
    assert_int_equal(keel_proc_cgroup_path("3:name=memory:/no\n4:cpu,memory,pids:/x\n", 0, out, sizeof(out)), 0);
    assert_string_equal(out, "/x");
    assert_int_equal(keel_proc_cgroup_path("3:memoryx:/no\n5:xmemory:/no\n", 0, out, sizeof(out)), -1);
    /* a ':' in the path stays; no final newline */
    assert_int_equal(keel_proc_cgroup_path("0::/a:b", 1, out, sizeof(out)), 0);
    assert_string_equal(out, "/a:b");
    /* junk lines are skipped */
    assert_int_equal(keel_proc_cgroup_path("garbage\n\n1:x\n0::/ok\n", 1, out, sizeof(out)), 0);
    assert_string_equal(out, "/ok");
    /* a hierarchy other than 0 with no controllers is not v2 */
    assert_int_equal(keel_proc_cgroup_path("10::/no\n", 1, out, sizeof(out)), -1);
    /* empty path, empty text */
    assert_int_equal(keel_proc_cgroup_path("0::\n", 1, out, sizeof(out)), -1);
    assert_int_equal(keel_proc_cgroup_path("", 1, out, sizeof(out)), -1);
    /* "/abcdef" is 7 characters and needs 8 bytes */
    assert_int_equal(keel_proc_cgroup_path("0::/abcdef\n", 1, out, 7), -1);
    assert_int_equal(keel_proc_cgroup_path("0::/abcdef\n", 1, out, 8), 0);
    assert_string_equal(out, "/abcdef");
    assert_int_equal(keel_proc_cgroup_path("0::/abcdef\n", 1, out, 0), -1);
}

static const char meminfo_sample[] = "MemTotal:       24684096 kB\n"
                                     "MemFree:        23704920 kB\n"
                                     "MemAvailable:   24009872 kB\n"
                                     "Buffers:           12345 kB\n"
                                     "HugePages_Total:       0\n"
                                     "Hugepagesize:       2048 kB\n";

static void
test_meminfo(void **state)
{
    (void)state;
    uint64_t v = 0;
    /* 24684096 * 1024 = 24,684,096,000 + 592,418,304 */
    assert_int_equal(keel_meminfo_total(meminfo_sample, &v), 0);
    assert_true(v == 25276514304ULL);
    /* 24009872 * 1024 = 24,009,872,000 + 576,236,928 */
    assert_int_equal(keel_meminfo_field(meminfo_sample, "MemAvailable", &v), 0);
    assert_true(v == 24586108928ULL);
    assert_int_equal(keel_meminfo_field(meminfo_sample, "HugePages_Total", &v), 0);
    assert_true(v == 0);
    assert_int_equal(keel_meminfo_field(meminfo_sample, "Hugepagesize", &v), 0);
    assert_true(v == 2 * MIB);

    v = UNTOUCHED;
    /* a prefix of a name is not the name */
    assert_int_equal(keel_meminfo_field(meminfo_sample, "Mem", &v), -1);
    assert_int_equal(keel_meminfo_field(meminfo_sample, "Cached", &v), -1);
    assert_int_equal(keel_meminfo_total("MemFree: 5 kB\n", &v), -1);
    assert_int_equal(keel_meminfo_total("XMemTotal: 5 kB\n", &v), -1);
    assert_int_equal(keel_meminfo_total("MemTotal: abc kB\n", &v), -1);
    assert_int_equal(keel_meminfo_total("MemTotal: 5 MB\n", &v), -1);
    assert_int_equal(keel_meminfo_total("MemTotal:\n", &v), -1);
    assert_int_equal(keel_meminfo_total("", &v), -1);
    /* 2^54 kB is 2^64 bytes */
    assert_int_equal(keel_meminfo_total("MemTotal: 18014398509481984 kB\n", &v), -1);
    assert_true(v == UNTOUCHED);
    assert_int_equal(keel_meminfo_total("MemTotal: 18014398509481983 kB\n", &v), 0);
    assert_true(v == UINT64_MAX - 1023);
    /* not on the first line, no final newline */
    assert_int_equal(keel_meminfo_total("Foo: 1 kB\nMemTotal: 2 kB", &v), 0);
    assert_true(v == 2048);
}

static int
mountinfo(const char *line, keel_mount_t *m)
{
    memset(m, 'X', sizeof(*m));
    return keel_mountinfo_parse_line(line, m);
}

static void
test_mountinfo_lines(void **state)
{
    (void)state;
    keel_mount_t m;

    assert_int_equal(mountinfo("25 30 0:23 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs "
                               "rw,size=815384k,mode=755\n",
                               &m),
                     1);
    assert_string_equal(m.mountpoint, "/run");
    assert_string_equal(m.fstype, "tmpfs");

    assert_int_equal(mountinfo("40 25 0:40 / /mnt/ram rw,relatime - ramfs ramfs rw", &m), 1);
    assert_string_equal(m.mountpoint, "/mnt/ram");
    assert_string_equal(m.fstype, "ramfs");

    /* this machine's /sys/fs/cgroup */
    assert_int_equal(mountinfo("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n", &m), 1);
    assert_string_equal(m.mountpoint, "/sys/fs/cgroup");

    assert_int_equal(mountinfo("28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n", &m), 0);
    assert_string_equal(m.mountpoint, "/");
    assert_string_equal(m.fstype, "ext4");

    /* proc(5)'s example: two optional fields */
    assert_int_equal(
        mountinfo("36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue", &m),
        0);
    assert_string_equal(m.mountpoint, "/mnt/parent");
    assert_string_equal(m.fstype, "ext3");

    assert_int_equal(mountinfo("22 25 0:5 / /dev rw,nosuid - devtmpfs udev rw,size=4k\n", &m), 0);
    assert_string_equal(m.fstype, "devtmpfs");

    /* escapes: space, tab, newline, backslash */
    assert_int_equal(mountinfo("50 25 0:45 / /mnt/my\\040disk\\011x\\012y\\134z rw - tmpfs tmpfs rw\n", &m), 1);
    assert_string_equal(m.mountpoint, "/mnt/my disk\tx\ny\\z");

    /* an over-long fstype is cut, not mistaken for something else */
    assert_int_equal(mountinfo("60 25 0:50 / /mnt/f rw - fuse.averyveryveryverylongfilesystemname src rw", &m), 0);
    assert_string_equal(m.fstype, "fuse.averyveryveryverylongfiles");
    assert_int_equal(mountinfo("60 25 0:50 / /mnt/f rw - tmpfsx src rw", &m), 0);
    /* extra fields after the super options are tolerated */
    assert_int_equal(mountinfo("60 25 0:50 / /mnt/f rw - tmpfs tmpfs rw extra\n", &m), 1);
}

static void
test_mountinfo_malformed(void **state)
{
    (void)state;
    keel_mount_t m;
    const char *bad[] = {
        "",
        "\n",
        "garbage",
        "25 30 0:23 / /run rw shared:5 tmpfs tmpfs rw", /* no separator */
        "25 30 0:23 / /run rw - tmpfs",                 /* fields missing after it */
        "25 30 0:23 / /run rw - tmpfs tmpfs",           /* no super options */
        "25 30 0:23 / /run rw -",                       /* nothing after it */
        "25 30 0:23 / /run - tmpfs tmpfs rw",           /* no mount options: "-" taken as them */
        "x 30 0:23 / /run rw - tmpfs tmpfs rw",         /* mount ID */
        "25 y 0:23 / /run rw - tmpfs tmpfs rw",         /* parent ID */
        "25 30 023 / /run rw - tmpfs tmpfs rw",         /* major:minor */
        "25 30 0: / /run rw - tmpfs tmpfs rw",          /* major:minor */
        "25 30 0:23 / run rw - tmpfs tmpfs rw",         /* relative mount point */
        "25 30 0:23 / /a\\04x rw - tmpfs tmpfs rw",     /* short escape */
        "25 30 0:23 / /a\\000 rw - tmpfs tmpfs rw",     /* escaped NUL */
        "25 30 0:23 / /a\\ rw - tmpfs tmpfs rw",        /* stray backslash */
        "25 30 0:23 / /a\\400 rw - tmpfs tmpfs rw",     /* not a byte */
        "25 30 0:23 /  /run rw - tmpfs tmpfs rw",       /* double space */
        " 25 30 0:23 / /run rw - tmpfs tmpfs rw",       /* leading space */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (mountinfo(bad[i], &m) != -1)
            fail_msg("accepted: \"%s\"", bad[i]);
        assert_string_equal(m.mountpoint, "");
        assert_int_equal(strnlen(m.fstype, sizeof(m.fstype)) < sizeof(m.fstype), 1);
    }

    /* A mount point that does not fit (511 characters is the most). */
    char line[1024];
    char mp[600];
    mp[0] = '/';
    memset(mp + 1, 'a', 510);
    mp[511] = '\0';
    snprintf(line, sizeof(line), "1 2 3:4 / %s rw - tmpfs tmpfs rw", mp);
    assert_int_equal(mountinfo(line, &m), 1);
    assert_int_equal(strlen(m.mountpoint), 511);
    memset(mp + 1, 'a', 511);
    mp[512] = '\0';
    snprintf(line, sizeof(line), "1 2 3:4 / %s rw - tmpfs tmpfs rw", mp);
    assert_int_equal(mountinfo(line, &m), -1);
    assert_string_equal(m.mountpoint, "");
}

static void
test_mount_find(void **state)
{
    (void)state;
    keel_mount_t mounts[6] = {0};
    const char *points[] = {"/", "/run", "/run/user/1000", "/dev/shm", "/tmp", "/tmp"};
    for (size_t i = 0; i < 6; i++)
        snprintf(mounts[i].mountpoint, sizeof(mounts[i].mountpoint), "%s", points[i]);

    assert_int_equal(keel_mount_find(mounts, 6, "/run/php/php.sock"), 1);
    assert_int_equal(keel_mount_find(mounts, 6, "/run"), 1);
    assert_int_equal(keel_mount_find(mounts, 6, "/run/"), 1);
    assert_int_equal(keel_mount_find(mounts, 6, "/running"), 0);
    assert_int_equal(keel_mount_find(mounts, 6, "/run/user/1000/x"), 2);
    assert_int_equal(keel_mount_find(mounts, 6, "/run/user/10000"), 1);
    assert_int_equal(keel_mount_find(mounts, 6, "/dev/shm/sem.x"), 3);
    assert_int_equal(keel_mount_find(mounts, 6, "/dev/shmem"), 0);
    assert_int_equal(keel_mount_find(mounts, 6, "/var/lib"), 0);
    assert_int_equal(keel_mount_find(mounts, 6, "/"), 0);
    /* mounted twice: the later one is on top */
    assert_int_equal(keel_mount_find(mounts, 6, "/tmp/sess_1"), 5);
    /* without "/" nothing holds an outside path */
    assert_int_equal(keel_mount_find(mounts + 1, 5, "/var"), -1);
    assert_int_equal(keel_mount_find(mounts + 1, 5, "/running"), -1);
    assert_int_equal(keel_mount_find(mounts, 0, "/run"), -1);
}

static void
test_mountinfo_details(void **state)
{
    (void)state;
    keel_mount_t m;
    assert_int_equal(mountinfo("29 23 0:26 / /dev/shm rw,relatime - tmpfs tmpfs rw,size=24683748k\n", &m), 1);
    assert_int_equal(m.dev_major, 0);
    assert_int_equal(m.dev_minor, 26);
    assert_false(m.read_only);
    assert_false(m.upperdir_seen);
    /* this machine: a read-only tmpfs nobody can write to */
    assert_int_equal(mountinfo("27 26 0:24 / /mnt/sandboxing/x ro,nosuid,nodev,relatime - tmpfs none ro,size=4k\n", &m),
                     1);
    assert_true(m.read_only);
    /* "ro" is a whole option: "rw,norecovery" is not read-only */
    assert_int_equal(mountinfo("30 26 8:3 / /data rw,norecovery - ext4 /dev/sdb rw\n", &m), 0);
    assert_false(m.read_only);
    assert_int_equal(m.dev_major, 8);
    assert_int_equal(m.dev_minor, 3);
    /* docker's root: an overlay whose upper layer is on the host's disk */
    assert_int_equal(mountinfo("500 400 0:52 / / rw,relatime master:1 - overlay overlay "
                               "rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,"
                               "upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work\n",
                               &m),
                     0);
    assert_string_equal(m.fstype, "overlay");
    assert_true(m.upperdir_seen);
    assert_string_equal(m.upperdir, "/var/lib/docker/overlay2/abc/diff");
    /* escaped commas and spaces in the upper layer's path */
    assert_int_equal(mountinfo("501 400 0:53 / /o rw - overlay overlay rw,lowerdir=/l,upperdir=/run/a\\054b\\040c,"
                               "workdir=/run/w\n",
                               &m),
                     0);
    assert_string_equal(m.upperdir, "/run/a,b c");
    /* a major:minor too large for a number is malformed */
    assert_int_equal(mountinfo("1 2 99999999999:1 / /x rw - tmpfs tmpfs rw\n", &m), -1);
    assert_int_equal(m.dev_major, 0);
}

static void
test_mount_is_memory(void **state)
{
    (void)state;
    keel_mount_t t[7];
    const char *lines[] = {
        "20 1 0:30 / / rw - overlay overlay rw,lowerdir=/lower,upperdir=/run/upper/u,workdir=/run/upper/w\n",
        "21 20 0:31 / /run rw - tmpfs tmpfs rw\n",
        "22 20 0:32 / /data rw - overlay overlay rw,lowerdir=/lower,upperdir=/var/up,workdir=/var/w\n",
        "23 20 8:1 / /var rw - ext4 /dev/sda1 rw\n",
        "24 20 0:33 / /sandbox rw - overlay none rw,lowerdir=/x\n",
        "25 0 0:1 / /initramfs rw - rootfs rootfs rw\n",
        "26 20 0:34 / /loop rw - overlay overlay rw,lowerdir=/l,upperdir=/loop/u,workdir=/loop/w\n",
    };
    for (size_t i = 0; i < 7; i++)
        assert_true(mountinfo(lines[i], &t[i]) >= 0);
    assert_true(keel_mount_is_memory(t, 7, 0));  /* upper layer on the /run tmpfs */
    assert_true(keel_mount_is_memory(t, 7, 1));  /* tmpfs */
    assert_false(keel_mount_is_memory(t, 7, 2)); /* upper layer on ext4 */
    assert_false(keel_mount_is_memory(t, 7, 3)); /* ext4 */
    assert_true(keel_mount_is_memory(t, 7, 4));  /* no upper layer shown: gVisor's memory overlay */
    assert_true(keel_mount_is_memory(t, 7, 5));  /* rootfs */
    assert_false(keel_mount_is_memory(t, 7, 6)); /* its upper layer is on itself: not followed */
    assert_false(keel_mount_is_memory(t, 7, 7)); /* out of range */
    /* an upper layer the table does not hold (the host's path) is not memory */
    assert_false(keel_mount_is_memory(t, 1, 0));
}

static void
test_smaps_rollup(void **state)
{
    (void)state;
    const char *rollup = "55c4d9621000-7ffdb4620000 ---p 00000000 00:00 0                          [rollup]\n"
                         "Rss:                1696 kB\n"
                         "Pss:                 215 kB\n"
                         "Pss_Anon:            112 kB\n"
                         "Shared_Clean:       1544 kB\n"
                         "Shared_Dirty:          0 kB\n"
                         "Private_Clean:        40 kB\n"
                         "Private_Dirty:       112 kB\n"
                         "Referenced:         1696 kB\n"
                         "Private_Hugetlb:       0 kB\n";
    uint64_t v = 0;
    /* (40 + 112) kB = 152 * 1024 */
    assert_int_equal(keel_smaps_rollup_private(rollup, &v), 0);
    assert_true(v == 155648);
    v = UNTOUCHED;
    assert_int_equal(keel_smaps_rollup_private("Private_Clean: 40 kB\n", &v), -1);
    assert_int_equal(keel_smaps_rollup_private("Private_Dirty: 40 kB\n", &v), -1);
    assert_int_equal(keel_smaps_rollup_private("", &v), -1);
    assert_true(v == UNTOUCHED);
}

/* --- a fake cgroup tree in a temp dir --- */

static void
dir_of(char *buf, size_t len, const temp_tree_t *t, const char *rel)
{
    snprintf(buf, len, "%s%s", t->root, rel);
}

/* 8 GiB of RAM of which 6 GiB available: 2 GiB in use. */
static const char fake_meminfo[] = "MemTotal:        8388608 kB\n"
                                   "MemFree:          100000 kB\n"
                                   "MemAvailable:    6291456 kB\n";

static void
assert_physical(const keel_mem_limit_t *m)
{
    assert_true(m->limit == 8 * GIB);
    assert_true(m->current == 2 * GIB);
    assert_string_equal(m->source, "physical memory");
    assert_string_equal(m->cgroup_dir, "");
}

static void
test_read_v2_limit(void **state)
{
    temp_tree_t *t = *state;
    temp_tree_put(t, "system.slice/keel.service/memory.max", "536870912\n");
    temp_tree_put(t, "system.slice/keel.service/memory.current", "104857600\n");
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/system.slice/keel.service\n", t->root, fake_meminfo), 0);
    assert_true(m.limit == 512 * MIB);
    assert_true(m.current == 100 * MIB);
    assert_string_equal(m.source, "cgroup v2 memory.max");
    char dir[512];
    dir_of(dir, sizeof(dir), t, "/system.slice/keel.service");
    assert_string_equal(m.cgroup_dir, dir);

    /* Without meminfo the cgroup alone still answers. */
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/system.slice/keel.service\n", t->root, NULL), 0);
    assert_true(m.limit == 512 * MIB);
}

static void
test_read_v2_max_is_physical(void **state)
{
    temp_tree_t *t = *state;
    temp_tree_put(t, "app/memory.max", "max\n");
    temp_tree_put(t, "app/memory.current", "4096\n");
    /* A limit at the root must not be used when the group says "max". */
    temp_tree_put(t, "memory.max", "1048576\n");
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/app\n", t->root, fake_meminfo), 0);
    assert_physical(&m);
    /* ... and with no meminfo there is nothing to report. */
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/app\n", t->root, NULL), -1);
}

static void
test_read_v2_falls_back_to_root(void **state)
{
    temp_tree_t *t = *state;
    /* A container: /proc/self/cgroup names the host's path, but its own
     * group is what is mounted at the root. */
    temp_tree_put(t, "memory.max", "1073741824\n");
    temp_tree_put(t, "memory.current", "2048\n");
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/docker/abc123\n", t->root, fake_meminfo), 0);
    assert_true(m.limit == GIB);
    assert_true(m.current == 2048);
    assert_string_equal(m.source, "cgroup v2 memory.max");
    assert_string_equal(m.cgroup_dir, t->root);
    /* "0::/" names the root directly (a cgroup namespace) */
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/\n", t->root, fake_meminfo), 0);
    assert_true(m.limit == GIB);
    assert_string_equal(m.cgroup_dir, t->root);
    /* a path out of the namespace is not followed */
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/../../etc\n", t->root, fake_meminfo), 0);
    assert_true(m.limit == GIB);
    assert_string_equal(m.cgroup_dir, t->root);
}

static void
test_read_v2_missing_current(void **state)
{
    temp_tree_t *t = *state;
    temp_tree_put(t, "g/memory.max", "268435456\n");
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/g\n", t->root, fake_meminfo), 0);
    assert_true(m.limit == 256 * MIB);
    assert_true(m.current == 0);
}

static void
test_read_v2_garbage_is_physical(void **state)
{
    temp_tree_t *t = *state;
    temp_tree_put(t, "g/memory.max", "lots\n");
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/g\n", t->root, fake_meminfo), 0);
    assert_physical(&m);
}

static void
test_read_cgroup_above_ram_is_physical(void **state)
{
    temp_tree_t *t = *state;
    /* 16 GiB allowed on an 8 GiB machine: RAM runs out first. */
    temp_tree_put(t, "g/memory.max", "17179869184\n");
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read_from(&m, "0::/g\n", t->root, fake_meminfo), 0);
    assert_physical(&m);
}

static void
test_read_v1_limit(void **state)
{
    temp_tree_t *t = *state;
    temp_tree_put(t, "memory/process_api/abc/memory.limit_in_bytes", "268435456\n");
    temp_tree_put(t, "memory/process_api/abc/memory.usage_in_bytes", "2949120\n");
    keel_mem_limit_t m;
    /* hybrid: the unified group has no memory.max, v1 answers */
    const char *cg = "4:memory:/process_api/abc\n1:cpu:/\n0::/\n";
    assert_int_equal(keel_mem_limit_read_from(&m, cg, t->root, fake_meminfo), 0);
    assert_true(m.limit == 256 * MIB);
    assert_true(m.current == 2949120);
    assert_string_equal(m.source, "cgroup v1 memory.limit_in_bytes");
    char dir[512];
    dir_of(dir, sizeof(dir), t, "/memory/process_api/abc");
    assert_string_equal(m.cgroup_dir, dir);
}

static void
test_read_v1_unlimited_is_physical(void **state)
{
    temp_tree_t *t = *state;
    /* This machine's layout and values. */
    temp_tree_put(t, "memory/process_api/dd5cd72dec805a203591b59a7e7b230e/memory.limit_in_bytes",
                  "9223372036854771712\n");
    temp_tree_put(t, "memory/process_api/dd5cd72dec805a203591b59a7e7b230e/memory.usage_in_bytes", "2949120\n");
    temp_tree_put(t, "memory/memory.limit_in_bytes", "9223372036854771712\n");
    temp_tree_put(t, "unified/cgroup.controllers", "hugetlb\n");
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read_from(&m, hybrid_cgroup, t->root, fake_meminfo), 0);
    assert_physical(&m);
}

static void
test_read_v1_falls_back_to_root(void **state)
{
    temp_tree_t *t = *state;
    temp_tree_put(t, "memory/memory.limit_in_bytes", "134217728\n");
    temp_tree_put(t, "memory/memory.usage_in_bytes", "65536\n");
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read_from(&m, "5:memory:/docker/abc\n", t->root, fake_meminfo), 0);
    assert_true(m.limit == 128 * MIB);
    assert_true(m.current == 65536);
    char dir[512];
    dir_of(dir, sizeof(dir), t, "/memory");
    assert_string_equal(m.cgroup_dir, dir);
}

static void
test_read_nothing(void **state)
{
    temp_tree_t *t = *state;
    keel_mem_limit_t m;
    /* empty tree, no meminfo */
    assert_int_equal(keel_mem_limit_read_from(&m, hybrid_cgroup, t->root, NULL), -1);
    assert_int_equal(keel_mem_limit_read_from(&m, NULL, t->root, NULL), -1);
    assert_int_equal(keel_mem_limit_read_from(&m, NULL, t->root, "MemFree: 1 kB\n"), -1);
    /* no cgroup text: physical memory only */
    assert_int_equal(keel_mem_limit_read_from(&m, NULL, t->root, fake_meminfo), 0);
    assert_physical(&m);
    /* no MemAvailable: MemFree (100000 kB) instead */
    assert_int_equal(keel_mem_limit_read_from(&m, NULL, t->root, "MemTotal: 1000000 kB\nMemFree: 100000 kB\n"), 0);
    assert_true(m.limit == 1000000 * KIB);
    assert_true(m.current == 900000 * KIB);
}

static void
test_memory_mounts_read(void **state)
{
    temp_tree_t *t = *state;
    temp_tree_put(t, "mountinfo",
                  "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                  "23 26 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw\n"
                  "24 23 0:22 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"
                  "27 26 0:24 / /mnt/sandboxing ro,nosuid - tmpfs none ro,size=4k\n"
                  "29 23 0:26 / /dev/shm rw,relatime - tmpfs tmpfs rw\n"
                  "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                  "31 26 0:28 / /run rw - tmpfs tmpfs rw\n"
                  "32 26 0:28 /php /var/lib/php/sessions rw - tmpfs tmpfs rw\n"
                  "33 26 0:29 / /srv/cache rw - overlay overlay rw,lowerdir=/l,upperdir=/run/up,workdir=/run/w\n"
                  "garbage line\n");
    char path[512];
    dir_of(path, sizeof(path), t, "/mountinfo");
    keel_mount_t m[8];
    /* /dev/shm once (the one on top), not the read-only one, not /sys,
     * /run once (the sessions directory is a bind mount of it), and the
     * overlay whose upper layer is on /run */
    assert_int_equal(keel_memory_mounts_read(m, 8, path), 3);
    assert_string_equal(m[0].mountpoint, "/dev/shm");
    assert_int_equal(m[0].dev_minor, 26);
    assert_string_equal(m[1].mountpoint, "/run");
    assert_string_equal(m[2].mountpoint, "/srv/cache");
    assert_int_equal(keel_memory_mounts_read(m, 1, path), 1);
    dir_of(path, sizeof(path), t, "/nothing");
    assert_int_equal(keel_memory_mounts_read(m, 8, path), -1);
    assert_true(keel_fs_used_bytes(path) == 0);
}

static void
test_read_real_system(void **state)
{
    (void)state;
    /* Machine-dependent figures are not checked, only that something
     * applies. */
    keel_mem_limit_t m;
    assert_int_equal(keel_mem_limit_read(&m, NULL), 0);
    assert_true(m.limit > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cgroup_parse_value),
        cmocka_unit_test(test_cgroup_v1_parse_limit),
        cmocka_unit_test(test_proc_cgroup_path),
        cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_mountinfo_lines),
        cmocka_unit_test(test_mountinfo_malformed),
        cmocka_unit_test(test_mount_find),
        cmocka_unit_test(test_mountinfo_details),
        cmocka_unit_test(test_mount_is_memory),
        cmocka_unit_test(test_smaps_rollup),
        cmocka_unit_test_setup_teardown(test_read_v2_limit, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_v2_max_is_physical, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_v2_falls_back_to_root, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_v2_missing_current, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_v2_garbage_is_physical, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_cgroup_above_ram_is_physical, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_v1_limit, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_v1_unlimited_is_physical, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_v1_falls_back_to_root, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_read_nothing, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test_setup_teardown(test_memory_mounts_read, temp_tree_setup, temp_tree_teardown),
        cmocka_unit_test(test_read_real_system),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
