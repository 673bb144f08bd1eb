#!/usr/bin/env bash
# fuzz/run.sh [SECONDS [TARGET...]]: builds the cargo-fuzz targets and runs
# each in turn (all of them by default) for SECONDS of wall time (default 5)
# from its seeds, at the lowest priority. New inputs are kept in
# fuzz/corpus/TARGET (not committed) for the next run; a crash stops the
# script, its input in fuzz/artifacts/TARGET/. Prints libFuzzer's figures
# (executions, coverage) for each target.
#
# cargo-fuzz needs unstable compiler flags: nightly when the machine has it,
# else stable with RUSTC_BOOTSTRAP=1 (a fresh machine may not download
# toolchains). No sanitizer (-s none): AddressSanitizer needs nightly, and
# alf's code is safe Rust; debug assertions and overflow checks stay on (-a).
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-5}
shift || true
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    fuzz=(cargo +nightly fuzz)
else
    fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
"${fuzz[@]}" build -O -a -s none
host=$(rustc -vV | sed -n 's/^host: //p')
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for src in fuzz_targets/*.rs; do targets+=("$(basename "$src" .rs)"); done
fi
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    log="artifacts/$t/last-run.log"
    if ! nice -n 19 "target/$host/release/$t" "corpus/$t" "seeds/$t" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "fuzz $t: FAILED (input in fuzz/artifacts/$t/)"
        exit 1
    fi
    echo "fuzz $t: $(grep -h '^Done' "$log"); $(grep -h 'cov:' "$log" | tail -n 1 | grep -o 'cov: [0-9]* ft: [0-9]*')"
done
