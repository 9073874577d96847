#!/usr/bin/env bash
# CI smoke of every fuzz target: a few seconds of afl-fuzz each (FUZZ_SMOKE_SECONDS, default 5).
# Fails when a target crashes or hangs; the figures go to fuzz/out/campaign.tsv.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SMOKE_SECONDS:-5}
fuzz/run-campaign.sh --list >/dev/null || exit 1
status=0
for target in $(fuzz/run-campaign.sh --list | awk '{print $1}'); do
  FUZZ_SMOKE=1 fuzz/run-campaign.sh "$target" "$seconds" || status=1
done
exit $status
