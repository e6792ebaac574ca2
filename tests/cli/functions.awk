# functions.awk - prints "LINES FILE:LINE NAME" for every C function
# definition in the files given (portable awk: mawk, gawk, busybox).
# String and character literals and comments are blanked first, so braces
# in them do not count; a '{' at file level opens a function when the text
# since the last ';' or '}' ends in ')' (or an attribute) and has no '='.
function flush_text() { text = "" }
FNR == 1 { depth = 0; flush_text(); incomment = 0 }
{
    line = $0
    if (incomment) { if (sub(/^.*\*\//, "", line)) incomment = 0; else next }
    gsub(/\\\\/, "", line)
    gsub(/\\"/, "", line)
    gsub(/"[^"]*"/, "\"\"", line)
    gsub(/'[^']*'/, "''", line)
    gsub(/\/\*.*\*\//, "", line)
    if (sub(/\/\*.*$/, "", line)) incomment = 1
    sub(/\/\/.*$/, "", line)
    if (line ~ /^[ \t]*#/) next
    for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (c == "{") {
            if (depth == 0 && text ~ /\)[ \t]*(__attribute__\(\(.*\)\))?[ \t]*$/ && text !~ /=/) {
                fstart = FNR; fname = text
                sub(/[ \t]*\(.*$/, "", fname); sub(/^.*[ \t*]/, "", fname)
            }
            depth++
        } else if (c == "}") {
            depth--
            if (depth == 0) {
                if (fstart) print FNR - fstart + 1, FILENAME ":" fstart, fname
                fstart = 0; flush_text()
            }
        } else if (depth == 0) {
            if (c == ";") flush_text(); else text = text c
        }
    }
    if (depth == 0) text = text " "
}
