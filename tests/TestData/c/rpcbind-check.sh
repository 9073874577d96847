#!/bin/sh
# Checks the C peers against Debian's rpcbind and rpcinfo, inside a private
# network and mount namespace so port 111 and /run/rpcbind.sock never collide
# with a system rpcbind or another test run. Needs root (unshare) and the
# Debian packages rpcbind, rpcsvc-proto, libtirpc-dev, gcc, make.
#
#   sh tests/TestData/c/rpcbind-check.sh [OUT]    (OUT: peers dir, built if missing)
#
# Prints one "ok ..." / "fail ..." line per check and exits non-zero on failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$(mktemp -d /tmp/oncrpc-peers.XXXXXX)}
make -s -C "$here" OUT="$out" >/dev/null || { echo "fail build"; exit 1; }

exec timeout 60 unshare -n -m sh -s "$out" <<'INNER'
set -u
out=$1
ip link set lo up
mount -t tmpfs tmpfs /run && mkdir -p /run/rpcbind && chmod 755 /run/rpcbind
fails=0
check() { # name command...
  name=$1; shift
  if out_text=$("$@" 2>&1); then echo "ok $name"; else echo "fail $name: $(printf '%s\n' "$out_text" | grep -v '^ok ' | head -20)"; fails=$((fails + 1)); fi
}
rpcbind -f -w & rb=$!
i=0; while ! rpcinfo -p 127.0.0.1 >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1; done
check rpcbind.up rpcinfo -p 127.0.0.1

"$out/log_svc" --port 0 --rpcbind --lifetime 50 --log /run/log.txt > /run/log.ready 2>/run/log.err & ls=$!
"$out/interop_svc" --port 0 --rpcbind --lifetime 50 > /run/interop.ready 2>/run/interop.err & is=$!
i=0; while [ ! -s /run/log.ready ] || [ ! -s /run/interop.ready ]; do i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1; done

# rpcinfo takes program numbers in decimal: 0x31234567 = 824395111, 0x31234568 = 824395112.
check rpcinfo.p.log sh -c 'rpcinfo -p 127.0.0.1 | grep -q 824395111'
check rpcinfo.tcp.log rpcinfo -T tcp 127.0.0.1 824395111 1
check rpcinfo.udp.log rpcinfo -T udp 127.0.0.1 824395111 1
check rpcinfo.tcp.interop.v1 rpcinfo -T tcp 127.0.0.1 824395112 1
check rpcinfo.udp.interop.v2 rpcinfo -T udp 127.0.0.1 824395112 2
check rpcinfo.tcp.interop.all rpcinfo -T tcp 127.0.0.1 824395112
check rpcinfo.v3.mismatch sh -c '! rpcinfo -T tcp 127.0.0.1 824395112 3'
check log_clnt.tcp.rpcbind "$out/log_clnt" --host 127.0.0.1 --transport tcp via-rpcbind-tcp
check log_clnt.udp.rpcbind "$out/log_clnt" --host 127.0.0.1 --transport udp via-rpcbind-udp
check log.file sh -c 'grep -q via-rpcbind-tcp /run/log.txt && grep -q via-rpcbind-udp /run/log.txt'
check interop_clnt.tcp.rpcbind "$out/interop_clnt" --host 127.0.0.1 --transport tcp --scenario all
check interop_clnt.udp.rpcbind "$out/interop_clnt" --host 127.0.0.1 --transport udp --scenario all

kill "$ls" "$is"; wait "$ls" "$is" 2>/dev/null
# Servers unset their registrations on the way out.
check rpcbind.unset sh -c '! rpcinfo -p 127.0.0.1 | grep -q 82439511'
kill "$rb"; wait "$rb" 2>/dev/null
echo "summary fail=$fails"
[ $fails -eq 0 ]
INNER
