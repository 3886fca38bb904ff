/*
 * How much the files under a directory take, per directory: the walk
 * behind "which directories under a tmpfs grew". Bounded work, because
 * the front runs it on its event loop: a time and an entry budget, and
 * large directories sampled rather than listed file by file. The
 * decisions on its results are in supervisor/tmpfs.h.
 */
#ifndef KEEL_SUPERVISOR_DIRWALK_H
#define KEEL_SUPERVISOR_DIRWALK_H

#include <stdint.h>

#include "supervisor/tmpfs.h"

/* Files of one directory looked at one by one; past that, one in 8, then
 * one in 64, ..., each standing for the ones skipped. */
#define KEEL_DIRWALK_SAMPLE 512

/*
 * Walks the tree under `root` without leaving its filesystem or
 * following symbolic links, and fills `out`: the KEEL_DIRS_MAX largest
 * directories down to KEEL_DIRS_DEPTH below root with what their files
 * take (st_blocks, so sparse files count what they use), the files
 * directly in root as the depth-0 entry, and the total. Stops once
 * budget_us of time or max_entries entries are spent (out->truncated).
 * Returns 0, or -1 when root cannot be opened.
 */
int keel_dirwalk(const char *root, uint64_t budget_us, uint64_t max_entries, keel_dir_table_t *out);

#endif
