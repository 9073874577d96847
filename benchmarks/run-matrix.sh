#!/usr/bin/env bash
# benchmarks/run-matrix.sh -- the side-by-side end-to-end matrix, C reference vs ours, in ONE run.
#
#   benchmarks/run-matrix.sh [--duration S] [--warmup S] [--repeat N] [--peers DIR] [--no-build] [--quick] [--only main|many|shm]
#
# Builds the libtirpc peers (tests/TestData/c, bench_svc + bench_clnt) and the load generator
# (Release), then for each scenario runs every client/server pairing:
#   C client -> C server, ours -> ours, ours -> C server, C client -> our server
# Scenarios: sequential (1 call in flight) TCP NULL / ADD / 1 KiB ECHO / 64 KiB ECHO, UDP NULL,
# and pipelined: 64 calls in flight on one TCP connection (ours; libtirpc's client cannot
# pipeline, so the C client runs 4, 8 and 16 threads and the best figure is the reference).
# Pinning (docs/performance.md): sequential/latency runs put client and server on CPU 0
# (taskset -c 0 for both); throughput runs put the client on CPU 0 and the server on CPU 1.
# Then our server's memory for 1,000 mostly idle TCP connections.
# The awaited path: each sequential scenario also runs our client's CallAsync awaited one call at a
# time (async->C, async->ours); the "awaited CallAsync" table sets them beside the C client.
# tcp-null also runs the floors (the load generator's hand-built calls with no library: raw->C on a
# blocking .NET socket, --api raw; raw-async->C awaited on .NET's async socket, --api raw-async),
# printed under that table.
# gRPC .NET (benchmarks/OncRpc.GrpcBench: the same NULL and ECHO on Kestrel, HTTP/2 without TLS):
# sequential NULL and 64 KiB echo (both on CPU 0) and 64 calls in flight on one connection
# (client CPU 0, server CPU 1), against our rows of the same scenarios; skipped when it does not build.
# Then many connections at once: the C client with 4, 8 and 16 threads (one connection each) against
# the C server and ours, both up at the same time, TCP and UDP (--only many runs that part alone).
# Last, the shared-memory transport against libtirpc over a Unix socket and our TCP (--only shm
# runs that part alone).
# Default 5 s warm-up + 3 s measured per run (about 7 minutes in all; --repeat 3 about 17): on one pinned CPU shared
# by client and server, .NET's tiered JIT (tier-0, instrumented, tier-1 with PGO) needs 3-8 s to
# reach steady state; with a 1 s warm-up the measured window still contains JIT work. A process
# pinned to one CPU sees one processor, and the runtime then multiplies its call-counting delay by
# 10 (100 ms -> 1 s, restarted whenever a method first runs): the blocking UDP client still ran
# tier-0 code after 5 s (docs/performance.md). So our .NET processes (and gRPC .NET's) run with
# DOTNET_TC_DelaySingleProcMultiplier=1, the delay of a multi-core machine; set it in the
# environment to override. The C peers ignore it.
# --repeat N runs every sequential pairing N times, interleaved (C and ours alternate within each
# round, so a noisy moment hits both), and the ratios use the median of each figure.
# Every process is bounded (timeout / --lifetime) and killed at exit. Loopback only.
# Prints each figure (calls/s, p50, p99; CPU and bytes per call where ours) and our/C ratios.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export DOTNET_TC_DelaySingleProcMultiplier=${DOTNET_TC_DelaySingleProcMultiplier:-1}
DUR=3
WARM=5
PEERS=""
BUILD=1
QUICK=0
REPEAT=1
ONLY=""
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DUR=$2; shift 2 ;;
        --warmup) WARM=$2; shift 2 ;;
        --peers) PEERS=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --quick) QUICK=1; shift ;;
        --repeat) REPEAT=$2; shift 2 ;;
        --only) ONLY=$2; shift 2 ;;
        *) echo "usage: $0 [--duration S] [--warmup S] [--repeat N] [--peers DIR] [--no-build] [--quick] [--only main|many|shm]" >&2; exit 2 ;;
    esac
done
case "$ONLY" in
    ""|main|many|shm) ;;
    *) echo "--only takes main, many or shm" >&2; exit 2 ;;
esac

WORK=$(mktemp -d /tmp/oncrpc-matrix.XXXXXX)
PEERS=${PEERS:-$WORK/peers}
LG_DIR=$ROOT/benchmarks/OncRpc.LoadGenerator
LG=$LG_DIR/bin/Release/net10.0/OncRpc.LoadGenerator
GB_DIR=$ROOT/benchmarks/OncRpc.GrpcBench
GB=$GB_DIR/bin/Release/net10.0/OncRpc.GrpcBench
SRV_PID=""
EXTRA_PIDS=""
CLIENT_TIMEOUT=$(awk -v d="$DUR" -v w="$WARM" 'BEGIN { printf "%d", d + w + 40 }')

cleanup() {
    local pid
    for pid in $EXTRA_PIDS; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [ -n "$SRV_PID" ] && kill -0 "$SRV_PID" 2>/dev/null; then
        kill -TERM "$SRV_PID" 2>/dev/null || true
        sleep 0.5
        kill -KILL "$SRV_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ "$BUILD" = 1 ]; then
    make -s -C "$ROOT/tests/TestData/c" OUT="$PEERS" >/dev/null
    dotnet build -c Release -v quiet -nologo "$LG_DIR/OncRpc.LoadGenerator.csproj" >/dev/null
    dotnet build -c Release -v quiet -nologo "$GB_DIR/OncRpc.GrpcBench.csproj" >/dev/null || echo "# gRPC .NET did not build: its rows are skipped" >&2
fi
[ -x "$PEERS/bench_svc" ] || { echo "missing $PEERS/bench_svc" >&2; exit 1; }
[ -x "$LG" ] || { echo "missing $LG (build Release first)" >&2; exit 1; }

echo "# machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(uname -sr), $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /'), duration ${DUR}s + warm-up ${WARM}s per run, sequential runs x${REPEAT} (medians)"
echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"

# start_server c|ours tcp|udp CPUS -> SRV_PID, SRV_PORT
start_server() {
    local kind=$1 transport=$2 cpus=$3 out=$WORK/server.out
    : >"$out"
    if [ "$kind" = c ]; then
        taskset -c "$cpus" "$PEERS/bench_svc" --port 0 --transport "$transport" --lifetime 300 --udp-bufsize 65000 >"$out" 2>"$WORK/server.err" &
    elif [ "$kind" = grpc ]; then
        taskset -c "$cpus" "$GB" serve --port 0 --lifetime 300 >"$out" 2>"$WORK/server.err" &
    else
        taskset -c "$cpus" "$LG" serve --port 0 --transport "$transport" --lifetime 300 >"$out" 2>"$WORK/server.err" &
    fi
    SRV_PID=$!
    local i
    for i in $(seq 1 200); do
        if grep -q '^READY' "$out"; then
            break
        fi
        sleep 0.1
    done
    local line
    line=$(grep -m1 '^READY' "$out") || { echo "server $kind did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }
    if [ "$transport" = udp ]; then SRV_PORT=$(echo "$line" | cut -d' ' -f3); else SRV_PORT=$(echo "$line" | cut -d' ' -f2); fi
}

stop_server() {
    if [ -n "$SRV_PID" ]; then
        kill -TERM "$SRV_PID" 2>/dev/null || true
        local i
        for i in $(seq 1 50); do
            kill -0 "$SRV_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SRV_PID" 2>/dev/null || true
        wait "$SRV_PID" 2>/dev/null || true
        SRV_PID=""
    fi
}

# run_client c|ours CPUS transport proc size parallel [api] -> LINE (the calls=... summary line)
# parallel: C client threads, or our calls in flight on one connection. api (ours only): sync
# (RpcClient.Call: the calling thread does the I/O, as clnt_call does) or async (CallAsync).
# grpc: the gRPC client (always async; HTTP/2, transport ignored), with the load generator's GC
# (workstation, not concurrent) so only the stacks differ.
run_client() {
    local kind=$1 cpus=$2 transport=$3 proc=$4 size=$5 par=$6 api=${7:-async}
    if [ "$kind" = c ]; then
        LINE=$(timeout "$CLIENT_TIMEOUT" taskset -c "$cpus" "$PEERS/bench_clnt" --host 127.0.0.1 --port "$SRV_PORT" \
            --transport "$transport" --proc "$proc" --size "$size" --threads "$par" --seconds "$DUR" --warmup "$WARM" \
            2>"$WORK/client.err" | grep -m1 '^calls=') || LINE="calls=0 cps=0 failed"
    elif [ "$kind" = grpc ]; then
        LINE=$(DOTNET_gcServer=0 DOTNET_gcConcurrent=0 timeout "$CLIENT_TIMEOUT" taskset -c "$cpus" "$GB" --target "127.0.0.1:$SRV_PORT" \
            --proc "$proc" --size "$size" --inflight "$par" --connections 1 --duration "$DUR" --warmup "$WARM" \
            2>"$WORK/client.err" | grep -m1 '^calls=') || LINE="calls=0 cps=0 failed"
    else
        LINE=$(timeout "$CLIENT_TIMEOUT" taskset -c "$cpus" "$LG" --target "127.0.0.1:$SRV_PORT" --transport "$transport" \
            --proc "$proc" --size "$size" --inflight "$par" --connections 1 --api "$api" --duration "$DUR" --warmup "$WARM" \
            2>"$WORK/client.err" | grep -m1 '^calls=') || LINE="calls=0 cps=0 failed"
    fi
}

field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }

RESULTS=$WORK/results.tsv
: >"$RESULTS"
# record SCENARIO PAIR LINE
record() {
    local cps p50 p99 ccpu cbytes scpu sbytes
    cps=$(field "$3" cps); p50=$(field "$3" p50_us); p99=$(field "$3" p99_us)
    ccpu=$(field "$3" client_cpu_us); cbytes=$(field "$3" client_bytes); scpu=$(field "$3" server_cpu_us); sbytes=$(field "$3" server_bytes)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "${cps:-0}" "${p50:--}" "${p99:--}" "${ccpu:--}" "${cbytes:--}" "${scpu:--}" "${sbytes:--}" >>"$RESULTS"
    printf '  %-22s %-12s %10s calls/s  p50 %8s µs  p99 %8s µs  client %6s µs %8s B  server %6s µs %8s B\n' \
        "$1" "$2" "${cps:-0}" "${p50:--}" "${p99:--}" "${ccpu:--}" "${cbytes:--}" "${scpu:--}" "${sbytes:--}"
}

# sequential SCENARIO transport proc size: the four pairings, both pinned to CPU 0. Our client
# makes synchronous calls (the C client's model: the caller sends, then reads its reply); the
# async rows show CallAsync awaited one at a time, for reference.
sequential() {
    local name=$1 transport=$2 proc=$3 size=$4 r
    for r in $(seq 1 "$REPEAT"); do
        start_server c "$transport" 0
        run_client c 0 "$transport" "$proc" "$size" 1; record "$name" "C->C" "$LINE"
        run_client ours 0 "$transport" "$proc" "$size" 1 sync; record "$name" "ours->C" "$LINE"
        run_client ours 0 "$transport" "$proc" "$size" 1 async; record "$name" "async->C" "$LINE"
        if [ "$name" = tcp-null ]; then
            # The floors: hand-built NULL calls on a .NET socket, no library, blocking and awaited.
            run_client ours 0 tcp null 0 1 raw; record "$name" "raw->C" "$LINE"
            run_client ours 0 tcp null 0 1 raw-async; record "$name" "raw-async->C" "$LINE"
        fi
        stop_server
        start_server ours "$transport" 0
        run_client ours 0 "$transport" "$proc" "$size" 1 sync; record "$name" "ours->ours" "$LINE"
        run_client ours 0 "$transport" "$proc" "$size" 1 async; record "$name" "async->ours" "$LINE"
        run_client c 0 "$transport" "$proc" "$size" 1; record "$name" "C->ours" "$LINE"
        stop_server
    done
}

# get SCENARIO PAIR COLUMN: the median of that column over the pairing's runs
get() {
    awk -F'\t' -v s="$1" -v p="$2" -v c="$3" '$1 == s && $2 == p { print $c }' "$RESULTS" | sort -g \
        | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# paired SCENARIO A B: the median of the per-round ratios of A's calls/s to B's (the k-th run of A
# against the k-th of B, which ran beside it), with their range; steadier than a ratio of medians
# when the VM's speed drifts between rounds.
paired() {
    awk -F'\t' -v s="$1" -v a="$2" -v b="$3" '
        $1 == s && $2 == a { x[++na] = $3 }
        $1 == s && $2 == b { y[++nb] = $3 }
        END {
            n = na < nb ? na : nb
            for (i = 1; i <= n; i++) if (y[i] > 0) r[++m] = x[i] / y[i]
            if (!m) { print "n/a"; exit }
            for (i = 2; i <= m; i++) { v = r[i]; for (j = i - 1; j >= 1 && r[j] > v; j--) r[j + 1] = r[j]; r[j + 1] = v }
            printf "%.2fx (%.2f-%.2f)", (m % 2 ? r[(m + 1) / 2] : (r[m / 2] + r[m / 2 + 1]) / 2), r[1], r[m]
        }' "$RESULTS"
}

# section NAME: whether this run includes that part (all of them without --only)
section() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

if section main; then
echo
echo "## sequential (1 call in flight), client and server both on CPU 0"
sequential tcp-null tcp null 0
sequential tcp-add tcp add 0
sequential tcp-echo-1KiB tcp echo 1024
sequential udp-null udp null 0
sequential tcp-echo-64KiB tcp echo 65536

echo
echo "## throughput on one connection, client on CPU 0, server on CPU 1"
THREADS="4 8 16"
[ "$QUICK" = 1 ] && THREADS="8"
start_server c tcp 1
for t in $THREADS; do
    run_client c 0 tcp null 0 "$t"; record "pipe-null" "C->C/t$t" "$LINE"
done
run_client ours 0 tcp null 0 64; record "pipe-null" "ours->C/64" "$LINE"
stop_server
start_server ours tcp 1
run_client ours 0 tcp null 0 64; record "pipe-null" "ours->ours/64" "$LINE"
for t in $THREADS; do
    run_client c 0 tcp null 0 "$t"; record "pipe-null" "C->ours/t$t" "$LINE"
done
stop_server

# ---- gRPC .NET (benchmarks/OncRpc.GrpcBench) -------------------------------------------------
GRPC=0
[ -x "$GB" ] && GRPC=1
if [ "$GRPC" = 1 ]; then
    echo
    echo "## gRPC .NET 2.85 (Kestrel, HTTP/2 without TLS, ASP.NET Core defaults; server GC): same pinning as ours"
    for r in $(seq 1 "$REPEAT"); do
        start_server grpc tcp 0
        run_client grpc 0 tcp null 0 1; record "tcp-null" "grpc->grpc" "$LINE"
        run_client grpc 0 tcp echo 65536 1; record "tcp-echo-64KiB" "grpc->grpc" "$LINE"
        stop_server
    done
    start_server grpc tcp 1
    run_client grpc 0 tcp null 0 64; record "pipe-null" "grpc->grpc/64" "$LINE"
    stop_server
fi
# ---- end gRPC .NET ----------------------------------------------------------------------------

echo
echo "## 1,000 mostly idle TCP connections to our server (server on CPU 1, one NULL each)"
start_server ours tcp 1
IDLE=$(timeout 120 taskset -c 0 "$LG" --target "127.0.0.1:$SRV_PORT" --transport tcp --idle-connections 1000 2>"$WORK/client.err" \
    | grep -m1 '^idle_connections=') || IDLE="idle_connections=failed"
echo "  $IDLE"
stop_server

echo
echo "## ratios (ours / C; calls/s, higher is better; p50 ratio C/ours, higher is better)"
printf '| scenario | C->C calls/s | ours->ours | ours->C | C->ours | full stack | our client | our server | async full stack | p50 C->C / ours->ours (µs) |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for s in tcp-null tcp-add tcp-echo-1KiB udp-null tcp-echo-64KiB; do
    cc=$(get "$s" "C->C" 3); oo=$(get "$s" "ours->ours" 3); oc=$(get "$s" "ours->C" 3); co=$(get "$s" "C->ours" 3)
    ao=$(get "$s" "async->ours" 3)
    printf '| %s | %s | %s | %s | %s | %sx | %sx | %sx | %sx | %s / %s |\n' "$s" "$cc" "$oo" "$oc" "$co" \
        "$(ratio "$oo" "$cc")" "$(ratio "$oc" "$cc")" "$(ratio "$co" "$cc")" "$(ratio "$ao" "$cc")" "$(get "$s" "C->C" 4)" "$(get "$s" "ours->ours" 4)"
done
best_cc=$(awk -F'\t' '$1 == "pipe-null" && $2 ~ /^C->C/ && $3 + 0 > b { b = $3 + 0 } END { print b + 0 }' "$RESULTS")
best_co=$(awk -F'\t' '$1 == "pipe-null" && $2 ~ /^C->ours/ && $3 + 0 > b { b = $3 + 0 } END { print b + 0 }' "$RESULTS")
oo=$(get pipe-null "ours->ours/64" 3); oc=$(get pipe-null "ours->C/64" 3)
printf '| pipe-null (64 in flight vs best C threads) | %s | %s | %s | %s | %sx | %sx | %sx | - | - |\n' "$best_cc" "$oo" "$oc" "$best_co" \
    "$(ratio "$oo" "$best_cc")" "$(ratio "$oc" "$best_cc")" "$(ratio "$best_co" "$best_cc")"

# ---- awaited CallAsync ------------------------------------------------------------------------
echo
echo "## awaited CallAsync, one call at a time (ours async) against the C client (calls/s, medians)"
printf '| scenario | C->C | async->C | async->ours | C->ours | our async client (async->C / C->C) | the same per round: median (range) | async full stack (async->ours / C->C) | p50 C->C / async->ours (µs) |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for s in tcp-null tcp-add udp-null tcp-echo-1KiB tcp-echo-64KiB; do
    cc=$(get "$s" "C->C" 3); ac=$(get "$s" "async->C" 3); ao=$(get "$s" "async->ours" 3); co=$(get "$s" "C->ours" 3)
    printf '| %s | %s | %s | %s | %s | %sx | %s | %sx | %s / %s |\n' "$s" "$cc" "$ac" "$ao" "$co" \
        "$(ratio "$ac" "$cc")" "$(paired "$s" "async->C" "C->C")" "$(ratio "$ao" "$cc")" "$(get "$s" "C->C" 4)" "$(get "$s" "async->ours" 4)"
done
rc=$(get tcp-null "raw->C" 3)
if [ -n "$rc" ]; then
    echo
    rac=$(get tcp-null "raw-async->C" 3)
    echo "the floors, tcp-null: a .NET client with no library, blocking (--api raw) $rc calls/s, $(ratio "$rc" "$(get tcp-null "C->C" 3)")x the C client (client CPU $(get tcp-null "raw->C" 6) µs per call; ours sync $(get tcp-null "ours->C" 6)); awaited on .NET's async socket (--api raw-async) $rac calls/s, $(ratio "$rac" "$(get tcp-null "C->C" 3)")x (client CPU $(get tcp-null "raw-async->C" 6) µs; ours async $(get tcp-null "async->C" 6))"
fi
# ---- end awaited CallAsync --------------------------------------------------------------------

# ---- gRPC .NET ratios -------------------------------------------------------------------------
if [ "$GRPC" = 1 ]; then
    echo
    echo "## ours against gRPC .NET (calls/s, medians; ours async = CallAsync awaited, as the gRPC client's calls are)"
    printf '| scenario | gRPC calls/s | gRPC p50 µs | ours async | ours async / gRPC | ours sync | ours sync / gRPC | CPU µs/call gRPC client+server | ours async |\n'
    printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
    # grpc_row LABEL SCENARIO GRPC_PAIR OURS_ASYNC_PAIR [OURS_SYNC_PAIR]
    grpc_row() {
        local g ga gs gc oc
        g=$(get "$2" "$3" 3); ga=$(get "$2" "$4" 3); gs=${5:+$(get "$2" "$5" 3)}
        gc=$(awk -v a="$(get "$2" "$3" 6)" -v b="$(get "$2" "$3" 8)" 'BEGIN { printf "%.2f", a + b }')
        oc=$(awk -v a="$(get "$2" "$4" 6)" -v b="$(get "$2" "$4" 8)" 'BEGIN { printf "%.2f", a + b }')
        printf '| %s | %s | %s | %s | %sx | %s | %s | %s | %s |\n' "$1" "$g" "$(get "$2" "$3" 4)" "$ga" "$(ratio "$ga" "$g")" \
            "${gs:--}" "$( [ -n "$gs" ] && echo "$(ratio "$gs" "$g")x" || echo -)" "$gc" "$oc"
    }
    grpc_row "sequential NULL" tcp-null "grpc->grpc" "async->ours" "ours->ours"
    grpc_row "64 in flight NULL, one connection" pipe-null "grpc->grpc/64" "ours->ours/64"
    grpc_row "sequential ECHO 64 KiB" tcp-echo-64KiB "grpc->grpc" "async->ours" "ours->ours"
    echo "targets against gRPC .NET: >= 3x sequential, >= 5x with 64 in flight."
fi
# ---- end gRPC .NET ratios ---------------------------------------------------------------------

echo
echo "targets: sequential ratios >= 1.0x; pipelined ours->ours >= 250000 calls/s and >= 2.5x best C;"
echo "server bytes/call 0 for NULL/ADD; client at most one small allocation; 1,000 idle connections < 64 MiB."
fi

# ---- many connections at once --------------------------------------------------------------
# The C client with 4, 8 and 16 threads, one connection (or UDP socket) each, against libtirpc's
# server and ours, TCP and UDP. Restarting the servers per pairing lets this VM's speed swings
# (up to 3x within a minute) decide the ratio, so both servers stay up at once on CPU 1 (each
# serving TCP and UDP), ours is warmed first, and the C client on CPU 0 alternates between them
# run by run; at least three rounds, medians. Warm-up per run: 1 s (the servers are warm).
if section many; then
echo
echo "## many connections: the C client with 4/8/16 threads against both servers, up at once on CPU 1"
# start_both -> C_TCP C_UDP O_TCP O_UDP (the servers' pids join EXTRA_PIDS)
start_both() {
    local kind out i line
    for kind in c ours; do
        out=$WORK/many-$kind.out
        : >"$out"
        if [ "$kind" = c ]; then
            taskset -c 1 "$PEERS/bench_svc" --port 0 --transport both --lifetime 600 --udp-bufsize 65000 >"$out" 2>"$WORK/server.err" &
        else
            taskset -c 1 "$LG" serve --port 0 --transport both --lifetime 600 >"$out" 2>"$WORK/server.err" &
        fi
        EXTRA_PIDS="$EXTRA_PIDS $!"
        for i in $(seq 1 200); do
            grep -q '^READY' "$out" && break
            sleep 0.1
        done
        line=$(grep -m1 '^READY' "$out") || { echo "server $kind did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }
        if [ "$kind" = c ]; then
            C_TCP=$(echo "$line" | cut -d' ' -f2); C_UDP=$(echo "$line" | cut -d' ' -f3)
        else
            O_TCP=$(echo "$line" | cut -d' ' -f2); O_UDP=$(echo "$line" | cut -d' ' -f3)
        fi
    done
}
start_both
MANY_ROUNDS=$(( REPEAT < 3 ? 3 : REPEAT ))
SAVED_WARM=$WARM
# our server's JIT reaches tier 1 under the same load before anything is measured
for transport in tcp udp; do
    if [ "$transport" = tcp ]; then SRV_PORT=$O_TCP; else SRV_PORT=$O_UDP; fi
    run_client c 0 "$transport" null 0 8
done
WARM=1
for r in $(seq 1 "$MANY_ROUNDS"); do
    for transport in tcp udp; do
        for t in 4 8 16; do
            if [ "$transport" = tcp ]; then SRV_PORT=$C_TCP; else SRV_PORT=$C_UDP; fi
            run_client c 0 "$transport" null 0 "$t"; record "many-$transport-t$t" "C->C" "$LINE"
            if [ "$transport" = tcp ]; then SRV_PORT=$O_TCP; else SRV_PORT=$O_UDP; fi
            run_client c 0 "$transport" null 0 "$t"; record "many-$transport-t$t" "C->ours" "$LINE"
        done
    done
done
WARM=$SAVED_WARM
for pid in $EXTRA_PIDS; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
EXTRA_PIDS=""
echo
printf '| C client, NULL | C server calls/s | our server | ours / C | ours / C per round: median (range) |\n| --- | ---: | ---: | ---: | ---: |\n'
for transport in tcp udp; do
    for t in 4 8 16; do
        cc=$(get "many-$transport-t$t" "C->C" 3); co=$(get "many-$transport-t$t" "C->ours" 3)
        printf '| %s, %s threads | %s | %s | %sx | %s |\n' "$transport" "$t" "$cc" "$co" "$(ratio "$co" "$cc")" \
            "$(paired "many-$transport-t$t" "C->ours" "C->C")"
    done
done
echo "target: our server >= 1.0x libtirpc's with 4, 8 and 16 threads."
fi
# ---- end many connections -------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# Shared memory (netid shm, ours only): client on CPU 0, server on CPU 1 (spinning pays off only
# when the two sides run at once). References in the same run: libtirpc over a Unix socket
# (bench_svc --unix / bench_clnt --transport unix) for sequential NULL, our TCP for 64 KiB ECHO.
# Rounds interleaved (every variant once per round, --repeat N rounds), medians reported.
if section shm; then
echo
echo "## shared memory (ours, netid shm) vs libtirpc over a Unix socket and our TCP; client CPU 0, server CPU 1"
SHM_SOCK=$WORK/shm.sock
C_SOCK=$WORK/c-unix.sock
# start_local c-unix|ours-shm|ours-tcp -> SRV_PID (and SRV_PORT for ours-tcp)
start_local() {
    local out=$WORK/server.out i
    : >"$out"
    case "$1" in
        c-unix) taskset -c 1 "$PEERS/bench_svc" --transport none --unix "$C_SOCK" --lifetime 300 >"$out" 2>"$WORK/server.err" & ;;
        ours-shm) taskset -c 1 "$LG" serve --transport none --shm "$SHM_SOCK" --lifetime 300 >"$out" 2>"$WORK/server.err" & ;;
        ours-tcp) taskset -c 1 "$LG" serve --port 0 --transport tcp --lifetime 300 >"$out" 2>"$WORK/server.err" & ;;
    esac
    SRV_PID=$!
    for i in $(seq 1 200); do
        grep -q '^READY' "$out" && break
        sleep 0.1
    done
    grep -q '^READY' "$out" || { echo "server $1 did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }
    SRV_PORT=$(grep -m1 '^READY' "$out" | cut -d' ' -f2)
}
# ours_local transport target proc size inflight api -> LINE
ours_local() {
    LINE=$(timeout "$CLIENT_TIMEOUT" taskset -c 0 "$LG" --transport "$1" $2 --proc "$3" --size "$4" --inflight "$5" \
        --connections 1 --api "$6" --duration "$DUR" --warmup "$WARM" 2>"$WORK/client.err" | grep -m1 '^calls=') || LINE="calls=0 cps=0 failed"
}
for r in $(seq 1 "$REPEAT"); do
    start_local c-unix
    LINE=$(timeout "$CLIENT_TIMEOUT" taskset -c 0 "$PEERS/bench_clnt" --transport unix --unix "$C_SOCK" --proc null --size 0 \
        --threads 1 --seconds "$DUR" --warmup "$WARM" 2>"$WORK/client.err" | grep -m1 '^calls=') || LINE="calls=0 cps=0 failed"
    record shm-null "C->C/unix" "$LINE"
    stop_server
    start_local ours-shm
    ours_local shm "--unix $SHM_SOCK" null 0 1 sync; record shm-null "ours/shm" "$LINE"
    ours_local shm "--unix $SHM_SOCK" null 0 64 async; record shm-pipe-null "ours/shm/64" "$LINE"
    ours_local shm "--unix $SHM_SOCK" echo 65536 1 sync; record shm-echo-64KiB "ours/shm" "$LINE"
    stop_server
    start_local ours-tcp
    ours_local tcp "--target 127.0.0.1:$SRV_PORT" echo 65536 1 sync; record shm-echo-64KiB "ours/tcp" "$LINE"
    stop_server
done
echo
printf '| shared memory | reference | ours over shm | ratio | p50 reference / shm (µs) |\n| --- | ---: | ---: | ---: | ---: |\n'
ref=$(get shm-null "C->C/unix" 3); shm=$(get shm-null "ours/shm" 3)
printf '| sequential NULL vs libtirpc over Unix | %s | %s | %sx | %s / %s |\n' "$ref" "$shm" "$(ratio "$shm" "$ref")" \
    "$(get shm-null "C->C/unix" 4)" "$(get shm-null "ours/shm" 4)"
shm=$(get shm-pipe-null "ours/shm/64" 3)
printf '| NULL, 64 in flight (target 1,000,000 calls/s) | - | %s | - | - / %s |\n' "$shm" "$(get shm-pipe-null "ours/shm/64" 4)"
ref=$(get shm-echo-64KiB "ours/tcp" 3); shm=$(get shm-echo-64KiB "ours/shm" 3)
printf '| 64 KiB ECHO vs our loopback TCP | %s | %s | %sx | %s / %s |\n' "$ref" "$shm" "$(ratio "$shm" "$ref")" \
    "$(get shm-echo-64KiB "ours/tcp" 4)" "$(get shm-echo-64KiB "ours/shm" 4)"
echo "targets: sequential NULL >= 5x libtirpc over Unix; >= 1,000,000 calls/s with 64 in flight; 64 KiB echo >= 3x our TCP"
fi
