#!/usr/bin/env bash
# Whole-command timings of alf's reading paths, as the README's Speed section
# gives them: each command runs in turn with its reference (A B A B ...), and
# the ratio is taken pair by pair, so that a neighbour's load falls on both
# alike; then the medians (and the extremes) of the ratios. Absolute times on
# a shared machine move; ratios taken this way move much less.
#
# usage: benches/paths.sh [LOG]
#   LOG  a combined log, default target/bench/g1.log, made if missing with
#        ../shared/tools/genlog.py --format combined --lines 4400000 --seed 1
#
# environment:
#   ALF      alf's binary (default target/release/alf; build it first)
#   FLOOR    the floor program (`FLOOR ips FILE 2`, ../shared/tools/floor);
#            without it, the rows measured against it are left out
#   RUNS     pairs per row (default 11)
#   HEAD_MB  the pipe and compressed rows read the first HEAD_MB MiB of LOG,
#            whole lines (default 300); the compressed row splits them in four
#            and compresses each part with `gzip -1`
#
# Every run must exit 0: a failing command stops the script, exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."

ALF=${ALF:-target/release/alf}
RUNS=${RUNS:-11}
HEAD_MB=${HEAD_MB:-300}
LOG=${1:-target/bench/g1.log}
WORK=target/bench/paths
mkdir -p "$WORK"

[ -x "$ALF" ] || { echo "paths.sh: no alf at $ALF (cargo build --release)" >&2; exit 1; }
if [ ! -e "$LOG" ]; then
    gen=../shared/tools/genlog.py
    [ -e "$gen" ] || { echo "paths.sh: no $LOG, and no $gen to make it" >&2; exit 1; }
    mkdir -p "$(dirname "$LOG")"
    echo "making $LOG (4.4 million lines, about 1 GB)" >&2
    python3 "$gen" --format combined --lines 4400000 --seed 1 >"$LOG" 2>/dev/null
fi

# The head: whole lines only (the cut one is dropped), then split in four.
head_log=$WORK/head.log
head -c $((HEAD_MB << 20)) "$LOG" | head -n -1 >"$head_log"
# A log smaller than HEAD_MB has no cut line: take it whole.
[ "$(stat -c %s "$LOG")" -le $((HEAD_MB << 20)) ] && cp "$LOG" "$head_log"
rm -f "$WORK"/q0*
split -n l/4 -d -a 2 "$head_log" "$WORK/q"
for q in "$WORK"/q0?; do gzip -1 -f "$q"; done

# One timed run of a shell command: "wall cpu" in seconds (CPU: user +
# system, children included), its output thrown away.
one() {
    local t
    t=$( { TIMEFORMAT='%R %U %S'; time sh -c "$1" >/dev/null 2>&1; } 2>&1 ) ||
        { echo "paths.sh: failed: $1" >&2; exit 1; }
    awk '{ printf "%s %.3f\n", $1, $2 + $3 }' <<<"$t"
}

# The median and extremes of a column of numbers.
stats() {
    sort -g | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.2f (%.2f-%.2f)", m, v[1], v[NR] }'
}

printf '%-34s %-18s %-18s %-18s %s\n' path "A wall s" "B wall s" "A/B wall" "A/B cpu"
# pair NAME A B: RUNS runs of each, in turn, after one warm-up run of each.
pair() {
    local name=$1 a=$2 b=$3 i ra rb
    one "$a" >/dev/null
    one "$b" >/dev/null
    : >"$WORK/pairs"
    for ((i = 0; i < RUNS; i++)); do
        ra=$(one "$a")
        rb=$(one "$b")
        echo "$ra $rb" >>"$WORK/pairs"
    done
    printf '%-34s %-18s %-18s %-18s %s\n' "$name" \
        "$(awk '{ print $1 }' "$WORK/pairs" | stats)" \
        "$(awk '{ print $3 }' "$WORK/pairs" | stats)" \
        "$(awk '{ print ($3 > 0 ? $1 / $3 : 0) }' "$WORK/pairs" | stats)" \
        "$(awk '{ print ($4 > 0 ? $2 / $4 : 0) }' "$WORK/pairs" | stats)"
}

echo "A against B, $RUNS pairs each; LOG $LOG ($(stat -c %s "$LOG") bytes), head $(stat -c %s "$head_log") bytes" >&2
if [ -n "${FLOOR:-}" ]; then
    floor="$FLOOR ips $LOG 2"
    pair "top --by ip / floor" "$ALF top --by ip $LOG" "$floor"
    pair "triage --no-classify / floor" "$ALF triage --no-classify -o json $LOG" "$floor"
    pair "triage (every class) / floor" "$ALF triage -o json $LOG" "$floor"
else
    echo "(FLOOR unset: the rows against the floor are left out)" >&2
fi
pair "triage / triage --no-classify" "$ALF triage -o json $LOG" "$ALF triage --no-classify -o json $LOG"
pair "cat head | triage - / triage head" "cat $head_log | $ALF triage -o json -" "$ALF triage -o json $head_log"
pair "cat head | top - / top head" "cat $head_log | $ALF top --by ip -" "$ALF top --by ip $head_log"
pair "four .gz at once / one by one" "$ALF triage -o json $WORK/q0?.gz" \
    "for q in $WORK/q0?.gz; do $ALF triage -o json \$q || exit 1; done"
pair "rules nftables / triage" "$ALF rules --target nftables $LOG" "$ALF triage -o json $LOG"
