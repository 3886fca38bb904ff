/* Turns `-d key=value` options into the php.ini text that PHP reads from
 * sapi_module.ini_entries. */
#ifndef KEEL_COMMON_INI_H
#define KEEL_COMMON_INI_H

#include <stddef.h>

/*
 * Returns a malloc'd, NUL-terminated "key=value\n..." text (caller frees),
 * or NULL when out of memory. Values are quoted the way `php -d` quotes
 * them: a value that does not start with a letter, digit or quote is
 * wrapped in double quotes so that paths and the like are not read as ini
 * expressions. Entries without '=' become "key=1", as with php -d.
 */
char *keel_ini_entries_build(const char *const *entries, size_t count);

#endif
