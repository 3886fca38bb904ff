/* `keel reload`: asks a running keel, through its admin listener, to start
 * a new generation, and waits for the outcome. */
#ifndef KEEL_CLI_RELOAD_H
#define KEEL_CLI_RELOAD_H

/* argv holds the options after "reload". Returns the exit code: 0 when
 * the new generation serves (its number is printed), 1 when the reload
 * failed (the reason is printed), 2 for bad options or no server. */
int keel_reload_main(int argc, char **argv);

#endif
