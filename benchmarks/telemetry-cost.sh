#!/usr/bin/env bash
# benchmarks/telemetry-cost.sh -- what the runtime's telemetry costs a call, measured with the load
# generator (docs/performance.md, "Telemetry cost").
#
#   benchmarks/telemetry-cost.sh [--rounds N] [--duration S] [--warmup S] [--base DIR] [--modes "none metrics ..."]
#
# Scenarios: sequential TCP NULL (--api async and --api sync) and 64 calls in flight on one TCP
# connection; client on CPU 0, server on CPU 1. Modes are the load generator's --telemetry (the same
# listeners in the client and in the server it starts): none, metrics, traces, all, phases. With
# --base DIR (a build of the load generator from the commit before phase timing, e.g.
#   git worktree add /tmp/base <commit> && dotnet build -c Release /tmp/base/benchmarks/OncRpc.LoadGenerator)
# the base's load generator runs too, as mode "base" (nothing listening), to price the hooks
# themselves. The VM's speed drifts, so rounds interleave the modes (A B C A B C ...) and each
# figure is the median over the rounds; ratios are against "none" (and "none" against "base"):
# calls/s, the median latency, and CPU per call (client + server; less sensitive than latency to
# a busy machine's scheduling delays).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=5
DUR=2
WARM=2
BASE=""
MODES="none metrics traces all phases"
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift 2 ;;
        --duration) DUR=$2; shift 2 ;;
        --warmup) WARM=$2; shift 2 ;;
        --base) BASE=$2; shift 2 ;;
        --modes) MODES=$2; shift 2 ;;
        *) echo "usage: $0 [--rounds N] [--duration S] [--warmup S] [--base DIR] [--modes LIST]" >&2; exit 2 ;;
    esac
done
OURS="$ROOT/benchmarks/OncRpc.LoadGenerator/bin/Release/net10.0/OncRpc.LoadGenerator.dll"
dotnet build -c Release "$ROOT/benchmarks/OncRpc.LoadGenerator" >/dev/null
if [ -n "$BASE" ]; then
    BASE_DLL="$BASE/benchmarks/OncRpc.LoadGenerator/bin/Release/net10.0/OncRpc.LoadGenerator.dll"
    [ -f "$BASE_DLL" ] || { echo "no load generator built in $BASE" >&2; exit 2; }
    MODES="base $MODES"
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

SCENARIOS=("seq-async:--inflight 1 --api async" "seq-sync:--inflight 1 --api sync" "inflight64:--inflight 64 --api async")
for round in $(seq 1 "$ROUNDS"); do
    for scenario in "${SCENARIOS[@]}"; do
        name=${scenario%%:*}
        args=${scenario#*:}
        for mode in $MODES; do
            dll=$OURS
            extra="--telemetry $mode"
            if [ "$mode" = base ]; then dll=$BASE_DLL; extra=""; fi
            # shellcheck disable=SC2086
            line=$(timeout 120 dotnet "$dll" --server --proc null $args $extra --duration "$DUR" --warmup "$WARM" \
                --client-cpus 0 --server-cpus 1 2>/dev/null | grep '^calls=' || true)
            cps=$(sed -n 's/.* cps=\([0-9.]*\).*/\1/p' <<<"$line")
            mean=$(sed -n 's/.* mean_us=\([0-9.]*\).*/\1/p' <<<"$line")
            p50=$(sed -n 's/.* p50_us=\([0-9.]*\).*/\1/p' <<<"$line")
            ccpu=$(sed -n 's/.* client_cpu_us=\([0-9.]*\).*/\1/p' <<<"$line")
            scpu=$(sed -n 's/.* server_cpu_us=\([0-9.]*\).*/\1/p' <<<"$line")
            echo "${cps:-0} ${mean:-0} ${p50:-0} ${ccpu:-0} ${scpu:-0}" >>"$OUT/$name.$mode"
            echo "round $round $name $mode cps=${cps:-?} mean_us=${mean:-?} p50_us=${p50:-?} client_cpu_us=${ccpu:-?} server_cpu_us=${scpu:-?}" >&2
        done
    done
done

median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) {print 0} else if (NR%2) {print v[(NR+1)/2]} else {print (v[NR/2]+v[NR/2+1])/2}}'; }
printf '%-11s %-8s %10s %9s %9s %8s %9s %11s %11s %9s\n' scenario mode "calls/s" "vs none" "mean us" "p50 us" "vs none" "client CPU" "server CPU" "CPU vs none"
for scenario in "${SCENARIOS[@]}"; do
    name=${scenario%%:*}
    none=$(cut -d' ' -f1 "$OUT/$name.none" | median)
    none50=$(cut -d' ' -f3 "$OUT/$name.none" | median)
    noneCpu=$(awk -v a="$(cut -d' ' -f4 "$OUT/$name.none" | median)" -v b="$(cut -d' ' -f5 "$OUT/$name.none" | median)" 'BEGIN { print a + b }')
    for mode in $MODES; do
        cps=$(cut -d' ' -f1 "$OUT/$name.$mode" | median)
        mean=$(cut -d' ' -f2 "$OUT/$name.$mode" | median)
        p50=$(cut -d' ' -f3 "$OUT/$name.$mode" | median)
        ratio=$(awk -v a="$cps" -v b="$none" 'BEGIN { if (b > 0) printf "%+.1f %%", (a / b - 1) * 100; else print "?" }')
        ratio50=$(awk -v a="$p50" -v b="$none50" 'BEGIN { if (b > 0) printf "%+.1f %%", (a / b - 1) * 100; else print "?" }')
        ccpu=$(cut -d' ' -f4 "$OUT/$name.$mode" | median)
        scpu=$(cut -d' ' -f5 "$OUT/$name.$mode" | median)
        ratiocpu=$(awk -v a="$ccpu" -v b="$scpu" -v c="$noneCpu" 'BEGIN { if (c > 0) printf "%+.1f %%", ((a + b) / c - 1) * 100; else print "?" }')
        printf '%-11s %-8s %10.0f %9s %9.2f %8.2f %9s %11.2f %11.2f %9s\n' "$name" "$mode" "$cps" "$ratio" "$mean" "$p50" "$ratio50" "$ccpu" "$scpu" "$ratiocpu"
    done
done
