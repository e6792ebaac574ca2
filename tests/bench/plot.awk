# plot.awk - `make bench`'s plot (SVG, no dependencies): wall time against
# kernel size, one panel per firmware, one line per series.
# Input lines: "SERIES|MIB|MS", SERIES being "Kiln FIRMWARE MACHINE",
# "raw read FIRMWARE MACHINE" or "GRUB FIRMWARE MACHINE".
BEGIN { FS = "|"; W = 420; H = 300; L = 60; T = 30; PW = 320; PH = 220 }
{
    if (!($1 in seen)) { seen[$1] = 1; order[++ns] = $1 }
    n = ++np[$1]; xs[$1, n] = $2 + 0; ys[$1, n] = $3 + 0
    split($1, w, " "); fw = w[$1 ~ /^raw/ ? 3 : 2]; sfw[$1] = fw
    if (!(fw in fseen)) { fseen[fw] = 1; fws[++nf] = fw }
    if ($2 + 0 > xmax[fw]) xmax[fw] = $2 + 0
    if ($3 + 0 > ymax[fw]) ymax[fw] = $3 + 0
}
function nice(v,   m) { m = 1; while (m * 10 <= v) m *= 10; return v <= m ? m : v <= 2 * m ? 2 * m : v <= 5 * m ? 5 * m : 10 * m }
END {
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">\n", W * nf, H + 20
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    split("#c0392b #2471a3 #27ae60 #e67e22 #5dade2 #82e0aa", col, " ")
    for (f = 1; f <= nf; f++) {
        fw = fws[f]; ox = (f - 1) * W + L; xm = nice(xmax[fw]); ym = nice(ymax[fw])
        printf "<text x=\"%d\" y=\"18\" font-size=\"13\">%s: boot time (ms, QEMU TCG) against kernel size (MiB)</text>\n", ox - 40, fw == "bios" ? "SeaBIOS" : "OVMF"
        printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#888\"/>\n", ox, T, PW, PH
        for (k = 0; k <= 4; k++) {
            printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%g</text>\n", ox - 4, T + PH - k * PH / 4 + 4, ym * k / 4
            printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", ox + k * PW / 4, T + PH + 14, xm * k / 4
            printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#eee\"/>\n", ox, T + PH - k * PH / 4, ox + PW, T + PH - k * PH / 4
        }
        c = 0
        for (s = 1; s <= ns; s++) {
            name = order[s]
            if (sfw[name] != fw) continue
            c++; pts = ""
            for (i = 1; i <= np[name]; i++)
                pts = pts sprintf("%.1f,%.1f ", ox + xs[name, i] / xm * PW, T + PH - ys[name, i] / ym * PH)
            dash = name ~ /^raw/ ? " stroke-dasharray=\"5,3\"" : ""
            printf "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", pts, col[c], dash
            printf "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", ox + 8, T + 14 * c, col[c], name
        }
    }
    print "</svg>"
}
