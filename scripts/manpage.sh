#!/bin/sh
# manpage.sh KILN [COMMAND] - the man page of `kiln` or `kiln COMMAND`,
# made from the same text as its --help (so the two never disagree): the
# name line, then the help text as it is, in a no-fill block. Prints roff.
#   sh scripts/manpage.sh build/kiln run > build/man/kiln-run.1
set -eu
kiln=$1
cmd=${2:-}
if [ -n "$cmd" ]; then
    name="kiln-$cmd"
    text=$("$kiln" "$cmd" --help)
    # what the command does: its line in `kiln help`'s list of commands
    what=$("$kiln" help | awk -v c="$cmd" '/^commands:/ { f = 1; next } /^$/ { f = 0 }
        f && $1 == c { s = substr($0, 3); i = index(s, "  "); s = substr(s, i); sub(/^ +/, "", s); print s }')
else
    name=kiln
    text=$("$kiln" help)
    what=$(printf '%s\n' "$text" | sed -n '1s/^kiln [^ ]* - //p')
fi
version=$("$kiln" version | sed -n 's/^kiln \([^ ]*\).*/\1/p')
# roff: a backslash is \e; a line may not start with . or '
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }
printf '.TH %s 1 "" "kiln %s" "Kiln"\n' "$(echo "$name" | tr a-z A-Z)" "$version"
printf '.SH NAME\n%s \\- %s\n' "$name" "$(printf '%s' "$what" | esc)"
printf '.SH DESCRIPTION\n.nf\n'
printf '%s\n' "$text" | esc
printf '.fi\n.SH SEE ALSO\n'
if [ -n "$cmd" ]; then printf 'kiln(1); the documentation in share/doc/kiln (README.md, docs/running.md)\n'
else printf 'kiln-image(1), kiln-check(1), kiln-info(1), kiln-run(1), kiln-test(1), kiln-flash(1); the documentation in share/doc/kiln\n'; fi
