/* `keel status`: the running keel's /status, as tables for a terminal. */
#ifndef KEEL_CLI_STATUS_H
#define KEEL_CLI_STATUS_H

/* argv holds the options after "status". Returns the exit code: 0 when
 * the picture was printed, 1 when the server could not be read, 2 for bad
 * options. */
int keel_status_main(int argc, char **argv);

#endif
