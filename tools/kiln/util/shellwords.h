/* shellwords.h - words as a POSIX shell reads and writes them, without
 * expansions: splitting a line into words, quoting a word for a shell. */
#ifndef KILN_TOOL_SHELLWORDS_H
#define KILN_TOOL_SHELLWORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/util.h"
#include "tools/kiln/util/arena.h"

/* Splits a line into words like a POSIX shell: blanks separate words,
 * '...' is literal, "..." keeps \" \\ \$ \` escapes, a backslash outside
 * quotes escapes the next character, and a word starting with # starts a
 * comment. *words is NULL-terminated. */
bool shell_split(struct arena *a, const char *s, char ***words, int *nwords, kiln_err *e);
/* A word quoted for a POSIX shell when it needs it. */
const char *shell_quote(struct arena *a, const char *s);
/* The command on one line, shell-quoted. */
const char *shell_join(struct arena *a, char *const *argv);

#endif
