#!/usr/bin/env bash
# The cost of RPC-with-TLS (RFC 9289), measured with the load generator: TLS against plain TCP,
# NULL sequential, NULL with 64 in flight, 64 KiB ECHO sequential; rounds interleaved (every
# variant once per round), medians reported. Optionally BEFORE=path/to/an/older/LoadGenerator.dll
# adds that build's plain TCP as a third variant (to show the plain path did not move).
# Usage: benchmarks/tls-cost.sh [rounds] [seconds]   (after dotnet build -c Release benchmarks/OncRpc.LoadGenerator)
set -euo pipefail
ROUNDS=${1:-3}
SECONDS_PER_RUN=${2:-3}
LG="benchmarks/OncRpc.LoadGenerator/bin/Release/net10.0/OncRpc.LoadGenerator.dll"
OUT=$(mktemp)
variants=(plain tls)
[ -n "${BEFORE:-}" ] && variants=(before "${variants[@]}")
configs=("null 1 0" "null 64 0" "echo 1 65536")
for round in $(seq "$ROUNDS"); do
  for config in "${configs[@]}"; do
    read -r proc inflight size <<<"$config"
    for variant in "${variants[@]}"; do
      dll=$LG; extra=()
      [ "$variant" = before ] && dll=$BEFORE
      [ "$variant" = tls ] && extra=(--tls)
      sizeArg=(); [ "$size" != 0 ] && sizeArg=(--size "$size")
      line=$(dotnet "$dll" --server --client-cpus 0 --server-cpus 1 --proc "$proc" "${sizeArg[@]}" --inflight "$inflight" \
        --duration "$SECONDS_PER_RUN" --warmup 1 "${extra[@]}" | grep '^calls=')
      cps=$(sed -E 's/.* cps=([0-9.]+).*/\1/' <<<"$line"); p50=$(sed -E 's/.* p50_us=([0-9.]+).*/\1/' <<<"$line")
      errors=$(sed -E 's/.* errors=([0-9]+).*/\1/' <<<"$line")
      echo "$proc/$inflight/$size $variant $cps $p50 $errors" | tee -a "$OUT"
    done
  done
done
echo "--- medians (calls/s, p50 us) over $ROUNDS rounds of ${SECONDS_PER_RUN}s"
for config in "${configs[@]}"; do
  read -r proc inflight size <<<"$config"
  for variant in "${variants[@]}"; do
    key="$proc/$inflight/$size"
    cps=$(awk -v k="$key" -v v="$variant" '$1==k && $2==v {print $3}' "$OUT" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    p50=$(awk -v k="$key" -v v="$variant" '$1==k && $2==v {print $4}' "$OUT" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    errors=$(awk -v k="$key" -v v="$variant" '$1==k && $2==v {s+=$5} END {print s}' "$OUT")
    echo "$key $variant cps=$cps p50_us=$p50 errors=$errors"
  done
done
