/*
 * `keel leakcheck`: the leak procedure from the field as one command. It
 * starts its own keel (one worker, no recycling), drives a URL, samples
 * the worker's private memory from /status, and reports the growth per
 * request with a confidence interval, the marks at 1k / 10k / 100k
 * requests and a plot; `--max-growth` makes it a CI gate.
 */
#ifndef KEEL_CLI_LEAKCHECK_H
#define KEEL_CLI_LEAKCHECK_H

/* argv holds the options after "leakcheck". Returns the exit code: 0 when
 * the run completed within --max-growth, 1 when the growth passed it, 2
 * for bad options, a keel that did not start or a URL no PHP worker
 * serves, 3 when the run ended
 * early (the worker reached memory_limit or died, keel exited, or the
 * command was interrupted) within --max-growth. */
int keel_leakcheck_main(int argc, char **argv);

#endif
