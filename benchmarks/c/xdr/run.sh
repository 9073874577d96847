#!/usr/bin/env bash
# Builds and runs the libtirpc composite benchmark pinned to CPU 0 (the .NET side is pinned the
# same way, see docs/performance.md). Usage: benchmarks/c/xdr/run.sh [batches of 16]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
gcc -O2 -I/usr/include/tirpc -I"$here/../../../tests/TestData/xdr" "$here/composite_bench.c" -ltirpc -o "$out/composite_bench"
taskset -c 0 "$out/composite_bench" "${1:-20000}"
