/* pattern.h - bounds on the regular expressions kiln compiles (expect,
 * reply, pass_on, expect_fail, kiln test --filter).
 *
 * They are POSIX extended regular expressions, compiled by the C
 * library's regcomp(), whose time and memory grow with the pattern's
 * expanded size: glibc copies a repeated subexpression once per count, so
 * "a" followed by 24 '+' took 8.5 GB and 18 s, and nested counted
 * repetitions more. A pattern passes here only if it is small enough that
 * compiling and matching it are cheap, whatever it says:
 *   - at most PATTERN_MAX_LEN bytes;
 *   - groups nested at most PATTERN_MAX_DEPTH deep;
 *   - repetition counts {m}, {m,}, {m,n} at most PATTERN_MAX_COUNT;
 *   - no repetition of a repetition (a**, a+*, a{2}{3}: undefined in
 *     POSIX, and the way to blow up the expansion);
 *   - an expanded size (each repetition multiplying what it repeats) of at
 *     most PATTERN_MAX_COST;
 *   - no back-references (\1..\9), whose matching is exponential.
 * The check is one pass without recursion; each refusal says which limit
 * the pattern broke (callers put "bad regular expression: " before it). Syntax the limits do not concern is left to
 * regcomp(). */
#ifndef KILN_TOOL_PATTERN_H
#define KILN_TOOL_PATTERN_H

#include <stdbool.h>

#include "core/util.h"

#define PATTERN_MAX_LEN 1024
#define PATTERN_MAX_DEPTH 16
#define PATTERN_MAX_COUNT 255
#define PATTERN_MAX_COST 1024

bool pattern_check(const char *re, kiln_err *e);

#endif
