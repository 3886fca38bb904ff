/* `keel serve`: the front process. */
#ifndef KEEL_FRONT_SERVER_H
#define KEEL_FRONT_SERVER_H

/* argv holds the serve options (not the program or command name).
 * Returns the process exit code: 0 after a clean shutdown, 2 for bad
 * options or an unusable address, 1 when PHP cannot start. */
int keel_front_main(int argc, char **argv);

#endif
