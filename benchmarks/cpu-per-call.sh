#!/usr/bin/env bash
# CPU per call of a benchmark client, split into user and system time.
#
#   benchmarks/cpu-per-call.sh LABEL COMMAND...
#
# COMMAND is a client run that warms up for 2 s, measures for 2 s or more and prints a line with
# cps=N (bench_clnt and the load generator both do), e.g.
#
#   benchmarks/cpu-per-call.sh C taskset -c 0 $PEERS/bench_clnt --host 127.0.0.1 --port P \
#       --transport tcp --proc null --size 0 --threads 1 --seconds 2 --warmup 2
#   benchmarks/cpu-per-call.sh ours taskset -c 0 dotnet $LG --target 127.0.0.1:P --transport tcp \
#       --proc null --inflight 1 --connections 1 --api async --duration 2 --warmup 2
#
# The process's utime and stime (/proc/PID/stat, all its threads) are read 2.5 s and 3.5 s after it
# starts, inside the measured part, and divided by the calls of that second (cps times the seconds
# between the reads). taskset and `dotnet app.dll` both run the client in the started process, so
# its PID is the one sampled. Prints: LABEL cps=N user_us/call=U sys_us/call=S total=T
# With SERVER_PID=PID in the environment the server process is sampled at the same moments and
# its CPU per call is printed after the client's (server_user_us=..., server_sys_us=...). Context
# switches per call of each process (voluntary: it went to sleep; involuntary: it was preempted)
# come last: vol=V invol=I, server_vol=, server_invol=.
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n 2,19p "$0"; exit 2; }
label=$1
shift
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$@" >"$out" 2>&1 &
pid=$!
ticks() { awk '{print $14, $15}' "/proc/$1/stat"; }
# Voluntary and involuntary switches of every thread of a process.
switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt/{v+=$2} /^nonvoluntary_ctxt/{n+=$2} END{print v+0, n+0}'; }
server=${SERVER_PID:-}
sleep 2.5
read -r u1 s1 < <(ticks "$pid")
read -r v1 n1 < <(switches "$pid")
[[ -z $server ]] || { read -r su1 ss1 < <(ticks "$server"); read -r sv1 sn1 < <(switches "$server"); }
t1=$(date +%s.%N)
sleep 1
read -r u2 s2 < <(ticks "$pid")
read -r v2 n2 < <(switches "$pid")
[[ -z $server ]] || { read -r su2 ss2 < <(ticks "$server"); read -r sv2 sn2 < <(switches "$server"); }
t2=$(date +%s.%N)
wait "$pid" || { cat "$out" >&2; exit 1; }
cps=$(grep -o 'cps=[0-9.]*' "$out" | head -1 | cut -d= -f2)
[[ -n $cps ]] || { echo "$label: no cps= in the client's output" >&2; cat "$out" >&2; exit 1; }
python3 - "$label" "$cps" "$u1" "$s1" "$u2" "$s2" "$t1" "$t2" "$(getconf CLK_TCK)" \
    "${su1:-0}" "${ss1:-0}" "${su2:-0}" "${ss2:-0}" "${server:+1}" \
    "$v1" "$n1" "$v2" "$n2" "${sv1:-0}" "${sn1:-0}" "${sv2:-0}" "${sn2:-0}" <<'EOF'
import sys
(label, cps, u1, s1, u2, s2, t1, t2, hz, su1, ss1, su2, ss2, server,
 v1, n1, v2, n2, sv1, sn1, sv2, sn2) = sys.argv[1:]
calls = float(cps) * (float(t2) - float(t1))
us_per_tick = 1e6 / float(hz)
def per_call(a, b):
    return (int(b) - int(a)) * us_per_tick / calls
user, system = per_call(u1, u2), per_call(s1, s2)
line = f"{label} cps={float(cps):.0f} user_us/call={user:.2f} sys_us/call={system:.2f} total={user + system:.2f}"
def switches(a, b):
    return (int(b) - int(a)) / calls
if server:
    su, ss = per_call(su1, su2), per_call(ss1, ss2)
    line += f" server_user_us={su:.2f} server_sys_us={ss:.2f} server_total={su + ss:.2f}"
line += f" vol={switches(v1, v2):.2f} invol={switches(n1, n2):.2f}"
if server:
    line += f" server_vol={switches(sv1, sv2):.2f} server_invol={switches(sn1, sn2):.2f}"
print(line)
EOF
