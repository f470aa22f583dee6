#!/usr/bin/env bash
# bench/plot_teardown.sh DATAFILE OUT.png [TITLE]
#
# Plots teardown latency (and, when the data has them, the latency of the
# last connection's close) against the time a "scanner" holds the -wal, one
# line per method, from a whitespace-separated data file ('#' comments):
#   hold_ms plain_ms plain_left seed_ms seed_left walsafe_ms walsafe_left
#   [plain_close_ms plain_close_left plain_close_wal_bytes
#    walsafe_close_ms walsafe_close_left walsafe_close_wal_bytes]
# (what `walsafe_bench holds FILE` writes, on Linux and on Windows). *_left
# is how many files were still on disk afterwards (of the four for a
# teardown, of the three side files after a close); a point that left files
# is labelled with that, and a close that left a -wal with its size.
set -euo pipefail
data="$1"
out="$2"
title="${3:-teardown latency against -wal hold time}"
[[ -f "$data" ]] || { echo "plot_teardown: no data file $data" >&2; exit 1; }
ncol="$(grep -v '^#' "$data" | head -1 | wc -w)"

# One panel: the three teardowns. With the close columns, a second panel.
if (( ncol >= 13 )); then
  size="1400,640"; layout="set multiplot layout 1,2 title \"$title\" noenhanced"; panel_title="teardown: work done until the database is gone"
else
  size="1000,620"; layout="set title \"$title\" noenhanced"; panel_title=""
fi

{
cat <<EOF
set terminal pngcairo size $size font "DejaVu Sans,11"
set output "$out"
$layout
set xlabel "time the -wal is held (ms)"
set logscale y
set yrange [0.1:20000]
set grid ytics mytics xtics lc rgb "#dddddd"
set key top left box opaque font ",10"
set offsets 0.3, 0.7, 0, 0
left(c) = (column(c) > 0 ? sprintf("%d file%s left", column(c), column(c) > 1 ? "s" : "") : "")
set title "$panel_title" noenhanced
set ylabel "time until the teardown returns (ms, log scale)"
plot "$data" using 0:2:xtic(1) with linespoints lw 2 pt 7 ps 1.2 lc rgb "#888888" title "plain VFS: close, delete each file once", \\
     "$data" using 0:4 with linespoints lw 2 pt 5 ps 1.2 lc rgb "#d95f02" title "seed's pattern: checkpoint, 50 ms sleep, delete retries", \\
     "$data" using 0:6 with linespoints lw 2 pt 9 ps 1.4 lc rgb "#1b9e77" title "walsafe: close, walsafe\\\\_delete\\\\_database", \\
     "$data" using 0:2:(left(3)) with labels center offset 0,-1.4 font ",10" tc rgb "#555555" notitle, \\
     "$data" using 0:4:(left(5)) with labels right offset 0.5,1.2 tc rgb "#d95f02" notitle, \\
     "$data" using 0:6:(left(7)) with labels right offset 0.5,1.2 tc rgb "#1b9e77" notitle, \\
     "$data" using 0:(\$1 > 0 ? \$1 : 1/0) with lines dt 2 lw 1.5 lc rgb "#000000" title "the hold itself"
EOF
if (( ncol >= 13 )); then
cat <<EOF
closeleft(c, b) = (column(b) > 0 ? sprintf("-wal, %.0f KB", column(b) / 1024.0) : column(b) == 0 ? "-wal left, empty" : left(c))
set title "close of the last connection (checkpoint, delete of the -wal)" noenhanced
set ylabel "time until the close returns (ms, log scale)"
plot "$data" using 0:8:xtic(1) with linespoints lw 2 pt 7 ps 1.2 lc rgb "#888888" title "plain VFS (a -wal left behind: its size)", \\
     "$data" using 0:11 with linespoints lw 2 pt 9 ps 1.4 lc rgb "#1b9e77" title "walsafe", \\
     "$data" using 0:8:(closeleft(9, 10)) with labels center offset 0,-1.4 font ",10" tc rgb "#555555" notitle, \\
     "$data" using 0:11:(closeleft(12, 13)) with labels right offset 0.5,1.2 tc rgb "#1b9e77" notitle, \\
     "$data" using 0:(\$1 > 0 ? \$1 : 1/0) with lines dt 2 lw 1.5 lc rgb "#000000" title "the hold itself"
unset multiplot
EOF
fi
} | gnuplot
