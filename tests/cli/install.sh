#!/bin/sh
# install.sh - make install puts the man pages (kiln and each command, made
# from their --help text), bash and zsh completion and the pkg-config files
# in place, and the bash completion lists kiln's commands and a command's
# options.
#   sh tests/cli/install.sh            (from the top of the tree, after make test's build)
suite=install
. tests/cli/lib.sh
pre="$tmp/prefix"
make -s install B="$B" PREFIX="$pre" > "$tmp/install.log" 2>&1
check make-install $? "make install failed: $(tail -n 3 "$tmp/install.log")"
missing=""
for f in bin/kiln share/man/man1/kiln.1 share/bash-completion/completions/kiln share/zsh/site-functions/_kiln \
    lib/pkgconfig/kiln.pc lib/pkgconfig/kiln-small.pc lib/pkgconfig/kiln-pie.pc; do
    [ -f "$pre/$f" ] || missing="$missing $f"
done
for c in image check info run test flash; do
    [ -f "$pre/share/man/man1/kiln-$c.1" ] || missing="$missing share/man/man1/kiln-$c.1"
done
if [ -z "$missing" ]; then ok installed-files; else bad installed-files "missing:$missing"; fi

# each man page carries its command's --help text, and man can format it
"$pre/bin/kiln" run --help | sed -n 1p > "$tmp/want"
if grep -qF "$(cat "$tmp/want")" "$pre/share/man/man1/kiln-run.1" && grep -q '^\.TH KILN-RUN 1' "$pre/share/man/man1/kiln-run.1" &&
    grep -q '^kiln-flash \\- write an image to a USB stick' "$pre/share/man/man1/kiln-flash.1"; then
    ok man-from-help
else
    bad man-from-help "kiln-run.1 lacks its --help text, or a NAME line is wrong" "$pre/share/man/man1/kiln-run.1"
fi
if command -v man > /dev/null 2>&1; then
    MANWIDTH=100 man -l "$pre/share/man/man1/kiln-test.1" > "$tmp/man.out" 2> "$tmp/man.err"
    has man-formats "$tmp/man.out" '^ +kiln-test - boot kernels in test mode' '--plan FILE'
fi

# bash completion: the commands after kiln, the options after kiln run --
cat > "$tmp/comp.bash" << EOS
. "$pre/share/bash-completion/completions/kiln"
COMP_WORDS=("$pre/bin/kiln" ""); COMP_CWORD=1; _kiln; echo "commands: \${COMPREPLY[*]}"
COMP_WORDS=("$pre/bin/kiln" "run" "--serial"); COMP_CWORD=2; _kiln; echo "run: \${COMPREPLY[*]}"
COMP_WORDS=("$pre/bin/kiln" "flash" "--"); COMP_CWORD=2; _kiln; echo "flash: \${COMPREPLY[*]}"
EOS
bash "$tmp/comp.bash" > "$tmp/comp.out" 2>&1
has bash-completion "$tmp/comp.out" '^commands: image check info run test flash help version$' \
    '^run: --serial --serial-log$' '^flash: .*--check.*--force.*--to-file.*--yes'
if command -v zsh > /dev/null 2>&1; then
    zsh -n "$pre/share/zsh/site-functions/_kiln" 2> "$tmp/zsh.err"
    check zsh-completion-parses $? "zsh -n: $(cat "$tmp/zsh.err")"
else
    if head -n 1 "$pre/share/zsh/site-functions/_kiln" | grep -q '^#compdef kiln$'; then ok zsh-completion-header
    else bad zsh-completion-header "no #compdef kiln line"; fi
fi
