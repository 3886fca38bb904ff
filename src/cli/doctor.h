/* `keel doctor`: checks a keel set-up before production. */
#ifndef KEEL_CLI_DOCTOR_H
#define KEEL_CLI_DOCTOR_H

/* argv holds the options after "doctor": those of keel serve. Prints one
 * line per finding (error, warn or ok) and returns the exit code: 1 when
 * a finding is an error, 0 otherwise, 2 for options keel serve does not
 * take. */
int keel_doctor_main(int argc, char **argv);

#endif
