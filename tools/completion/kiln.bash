# bash completion for kiln. The commands and each command's options are
# read from kiln's own help (`kiln help`, `kiln COMMAND --help`), so the
# completion always matches the kiln that runs; other words complete as
# file names.
_kiln() {
    local cur=${COMP_WORDS[COMP_CWORD]} kiln=${COMP_WORDS[0]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$("$kiln" help 2>/dev/null |
            awk '/^commands:/ { f = 1; next } /^$/ { f = 0 } f && /^  [a-z]/ { print $1 }')" -- "$cur"))
        return
    fi
    case $cur in
    -*) COMPREPLY=($(compgen -W "$("$kiln" "${COMP_WORDS[1]}" --help 2>/dev/null |
            grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -o filenames -F _kiln kiln
