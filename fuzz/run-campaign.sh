#!/usr/bin/env bash
# Coverage-guided fuzzing of one target (docs/security.md#fuzzing):
#   fuzz/run-campaign.sh TARGET [SECONDS]      (default 600; targets: fuzz/run-campaign.sh --list)
# Publishes fuzz/OncRpc.FuzzTargets once into fuzz/out/bin, instruments the runtime's assemblies
# (and the targets', which hold the generated allconstructs code) with SharpFuzz, runs afl-fuzz
# from the seeds in fuzz/corpus/TARGET under `nice -n 19`, prints afl's figures, and copies each
# crash (minimized with afl-tmin) into fuzz/findings/TARGET/ as a regression input that
# tests/OncRpc.Fuzz replays. FUZZ_SMOKE=1: no copies, exit 1 on a crash (fuzz/smoke.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${FUZZ_OUT:-$root/fuzz/out}
bin=$out/bin
target=${1:?usage: fuzz/run-campaign.sh TARGET [SECONDS]}
seconds=${2:-600}

if ! command -v afl-fuzz >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends afl++ >/dev/null
  else
    echo "afl-fuzz is missing: apt-get install afl++" >&2; exit 2
  fi
fi

# One instrumented build for every target; rebuilt when a source is newer than the stamp.
stamp=$bin/.instrumented
if [ ! -f "$stamp" ] || [ -n "$(find src fuzz/OncRpc.FuzzTargets tests/TestData/x -newer "$stamp" \( -name '*.cs' -o -name '*.csproj' -o -name '*.x' \) -print -quit)" ]; then
  rm -rf "$bin"
  dotnet tool restore >/dev/null
  nice -n 19 dotnet publish fuzz/OncRpc.FuzzTargets -c Release -o "$bin" -nologo -v quiet >/dev/null
  dotnet tool run sharpfuzz "$bin/OncRpc.Xdr.dll" >/dev/null
  dotnet tool run sharpfuzz "$bin/OncRpc.dll" >/dev/null
  # Only the generated code (namespace RoundTrip) of the targets' own assembly: instrumented code
  # that runs before the forkserver starts (Main) would write to a bitmap that is not there yet.
  dotnet tool run sharpfuzz "$bin/OncRpc.FuzzTargets.dll" RoundTrip >/dev/null
  touch "$stamp"
fi
if [ "$target" = --list ]; then dotnet "$bin/OncRpc.FuzzTargets.dll" --list; exit 0; fi
dotnet "$bin/OncRpc.FuzzTargets.dll" --list | awk '{print $1}' | grep -qx "$target" \
  || { echo "unknown target '$target'" >&2; exit 2; }
[ -d "fuzz/corpus/$target" ] || { echo "no seeds in fuzz/corpus/$target" >&2; exit 2; }

findings=$out/findings/$target
rm -rf "$findings"
mkdir -p "$findings"
# The .NET forkserver is not a native afl binary (skip the check); no UI on a pipe; the
# machine's core_pattern and CPU governor are not ours to change; a .NET run needs more than
# afl's default memory and time limits (the first inputs pay for JIT).
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1
timeout_ms=${FUZZ_TIMEOUT_MS:-20000}
nice -n 19 afl-fuzz -i "fuzz/corpus/$target" -o "$findings" -t "$timeout_ms" -m none -V "$seconds" \
  -- dotnet "$bin/OncRpc.FuzzTargets.dll" "$target" >"$findings/afl.log" 2>&1 || {
  echo "afl-fuzz failed for $target; the end of its log:" >&2; tail -n 30 "$findings/afl.log" >&2; exit 1; }

stats=$findings/default/fuzzer_stats
field() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(field saved_crashes); crashes=${crashes:-$(field unique_crashes)}
hangs=$(field saved_hangs); hangs=${hangs:-$(field unique_hangs)}
printf '%s\texecs_done=%s\texecs_per_sec=%s\tcorpus_count=%s\tbitmap_cvg=%s\tedges_found=%s\tcrashes=%s\thangs=%s\tseconds=%s\n' \
  "$target" "$(field execs_done)" "$(field execs_per_sec)" "$(field corpus_count)" "$(field bitmap_cvg)" \
  "$(field edges_found)" "${crashes:-0}" "${hangs:-0}" "$seconds" | tee -a "$out/campaign.tsv"

found=0
for kind in crashes hangs; do
  for input in "$findings"/default/$kind/id:*; do
    [ -f "$input" ] || continue
    found=$((found + 1))
    [ "${FUZZ_SMOKE:-0}" = 1 ] && continue
    name=$kind-$(sha1sum "$input" | cut -c1-12)
    mkdir -p "fuzz/findings/$target"
    if ! nice -n 19 afl-tmin -i "$input" -o "fuzz/findings/$target/$name" -t "$timeout_ms" -m none \
        -- dotnet "$bin/OncRpc.FuzzTargets.dll" "$target" >/dev/null 2>&1; then
      cp "$input" "fuzz/findings/$target/$name"
    fi
    echo "finding: fuzz/findings/$target/$name"
  done
done
if [ "${FUZZ_SMOKE:-0}" = 1 ] && [ "$found" -gt 0 ]; then
  echo "$target: $found crashing or hanging inputs in $findings/default" >&2
  exit 1
fi
