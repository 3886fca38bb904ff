/*
 * The generation zygote: started by exec from the front, it initialises
 * PHP once (php.ini, extensions, OPcache's shared memory, preload) and
 * then only forks workers when the front asks, reporting their exits.
 */
#ifndef KEEL_WORKER_ZYGOTE_H
#define KEEL_WORKER_ZYGOTE_H

/* argv: "zygote" GENERATION [serve options...]. Returns the exit code. */
int keel_zygote_main(int argc, char **argv);

#endif
