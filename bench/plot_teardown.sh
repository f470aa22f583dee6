#!/usr/bin/env bash
# bench/plot_teardown.sh DATAFILE OUT.png [TITLE]
#
# Plots teardown latency against the time a "scanner" holds the -wal, one
# line per method, from a whitespace-separated data file ('#' comments):
#   hold_ms plain_ms plain_left seed_ms seed_left walsafe_ms walsafe_left
# (what `walsafe_bench holds FILE` writes). *_left is how many of the four
# files (database, -wal, -shm, -journal) were still on disk afterwards; a
# point that left files is marked with that count. The Windows figure feeds
# its own file in the same format (the columns then mean the win32 VFS).
set -euo pipefail
data="$1"
out="$2"
title="${3:-teardown latency against -wal hold time}"
[[ -f "$data" ]] || { echo "plot_teardown: no data file $data" >&2; exit 1; }

gnuplot <<EOF
set terminal pngcairo size 1000,620 font "DejaVu Sans,11"
set output "$out"
set title "$title" noenhanced
set xlabel "time the -wal is held (ms)"
set ylabel "time until the teardown returns (ms, log scale)"
set logscale y
set yrange [0.3:20000]
set grid ytics mytics xtics lc rgb "#dddddd"
set key top left box opaque
set offsets 0.3, 0.3, 0, 0
left(c) = (column(c) > 0 ? sprintf("%d file%s left", column(c), column(c) > 1 ? "s" : "") : "")
plot "$data" using 0:(\$1 > 0 ? \$1 : 1/0) with lines dt 2 lw 1 lc rgb "#999999" title "the hold itself", \
     "$data" using 0:2:xtic(1) with linespoints lw 2 pt 7 ps 1.2 lc rgb "#888888" title "plain VFS: close + unlink", \
     "$data" using 0:4 with linespoints lw 2 pt 5 ps 1.2 lc rgb "#d95f02" title "seed's pattern (fresh connection, checkpoint, 50 ms sleep, unlink retries)", \
     "$data" using 0:6 with linespoints lw 2 pt 9 ps 1.4 lc rgb "#1b9e77" title "walsafe: close + walsafe\\\\_delete\\\\_database", \
     "$data" using 0:2:(left(3)) with labels offset 0,-1.2 tc rgb "#555555" notitle, \
     "$data" using 0:4:(left(5)) with labels offset 0,1.2 tc rgb "#d95f02" notitle, \
     "$data" using 0:6:(left(7)) with labels offset 0,1.2 tc rgb "#1b9e77" notitle
EOF
