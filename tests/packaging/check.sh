#!/usr/bin/env bash
# tests/packaging/check.sh -- the packages proven from the outside, as a user meets them:
#   1. packs OncRpc.Xdr, OncRpc and OncRpc.Tool (from a copy of the sources, so the repository's
#      bin/ and obj/ are never touched) into a local folder, with a version of its own;
#   2. in a temporary directory outside the repository, `dotnet new console`, then only
#      `dotnet add package OncRpc --source <folder>` and an <OncRpcFile> item: builds, runs, and the
#      program makes calls over TCP and UDP through the generated client;
#   3. `dotnet tool install OncRpc.Tool --add-source <folder> --tool-path <dir>`, then
#      `oncrpc --help`, `oncrpc gen` and `oncrpc call` against the consumer program serving.
# Prints sections "=== name" for tests/OncRpc.Interop.Tests/Packaging, exits non-zero on the first
# failure. Leaves nothing behind: the work directory and the version's entries in the NuGet cache
# are removed on exit. Dependencies (Microsoft.Extensions.Logging.Abstractions) come from the
# NuGet cache the repository's own restore filled, since --source names only the local folder.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
version="0.1.0-check.$(date -u +%Y%m%d%H%M%S).$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/oncrpc-packaging.XXXXXX")
packages="${NUGET_PACKAGES:-${HOME:-/root}/.nuget/packages}"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
  for id in oncrpc oncrpc.xdr oncrpc.tool; do
    rm -rf "${packages:?}/$id/$version"; rmdir "$packages/$id" 2>/dev/null || true
  done
}
trap cleanup EXIT

echo "=== version"; echo "$version"

# 1. Pack from a copy of what a clone has (no bin/, obj/).
mkdir -p "$work/repo" "$work/feed"
(cd "$repo" && tar --exclude=bin --exclude=obj -cf - src docs README.md Directory.Build.props Directory.Packages.props global.json .editorconfig) \
  | tar -xf - -C "$work/repo"
for project in OncRpc.Xdr OncRpc OncRpc.Tool; do
  dotnet pack "$work/repo/src/$project" -c Release -o "$work/feed" -p:Version="$version" -nologo -v quiet > "$work/pack-$project.log" 2>&1 \
    || { cat "$work/pack-$project.log"; exit 1; }
done
echo "=== feed"; (cd "$work/feed" && ls -1)
echo "=== OncRpc.nupkg"; unzip -Z1 "$work/feed/OncRpc.$version.nupkg" | sort

# 2. A consumer project: one PackageReference, one OncRpcFile.
mkdir -p "$work/consumer"
cd "$work/consumer"
dotnet new console -n Quickstart -o Quickstart > new.log 2>&1 || { cat new.log; exit 1; }
cd Quickstart
dotnet add package OncRpc --source "$work/feed" --version "$version" > add.log 2>&1 || { cat add.log; exit 1; }
cp "$repo/tests/TestData/x/log.x" log.x
cp "$repo/tests/packaging/Program.cs" Program.cs
sed -i 's#</Project>#  <ItemGroup>\n    <OncRpcFile Include="log.x" Namespace="Quickstart.Log" />\n  </ItemGroup>\n</Project>#' Quickstart.csproj
echo "=== consumer.csproj"; cat Quickstart.csproj
echo "=== consumer.build"
dotnet build -nologo -v quiet 2>&1 | tail -n 5
echo "=== consumer.run"
dotnet bin/Debug/net10.0/Quickstart.dll

# 3. The tool, installed from the folder.
dotnet tool install OncRpc.Tool --add-source "$work/feed" --version "$version" --tool-path "$work/tools" > "$work/tool.log" 2>&1 \
  || { cat "$work/tool.log"; exit 1; }
oncrpc="$work/tools/oncrpc"
echo "=== tool.help"; "$oncrpc" --help
echo "=== tool.gen"; "$oncrpc" gen log.x -o "$work/gen" --namespace Quickstart.Log && head -n 1 "$work/gen/log.g.cs"
echo "=== tool.list"; "$oncrpc" call log.x --list
dotnet bin/Debug/net10.0/Quickstart.dll serve > "$work/serve.out" 2>&1 &
server=$!
for _ in $(seq 1 300); do grep -q '^serving' "$work/serve.out" && break; sleep 0.1; done
serving=$(grep '^serving' "$work/serve.out" || true)
port=$(sed -n 's/.*Tcp 127.0.0.1:\([0-9]*\).*/\1/p' <<<"$serving")
udp_port=$(sed -n 's/.*Udp 127.0.0.1:\([0-9]*\).*/\1/p' <<<"$serving")
[ -n "$port" ] && [ -n "$udp_port" ] || { echo "the consumer did not start serving:"; cat "$work/serve.out"; exit 1; }
echo "=== tool.call"; "$oncrpc" call log.x "127.0.0.1:$port" RLOG '"hello from oncrpc call"'
echo "=== tool.call.udp"; "$oncrpc" call -T udp log.x "127.0.0.1:$udp_port" LOG_PROG.1.1 '"over udp"'
kill "$server"; wait "$server" 2>/dev/null || true; server=""
echo "=== server.log"; cat "$work/serve.out"
# 4. A compiler error in the consumer: its help link opens a page shipped inside the package.
printf 'struct broken {\n    int a\n};\n' > broken.x
sed -i 's#<OncRpcFile Include="log.x"#<OncRpcFile Include="broken.x" Namespace="Quickstart.Broken" />\n    <OncRpcFile Include="log.x"#' Quickstart.csproj
echo "=== consumer.error"
if dotnet build -nologo -v quiet -p:ErrorLog="$work/errors.sarif%2Cversion=2.1" 2>&1 | grep -o 'broken.x([0-9,]*): error ONCRPC[0-9]*: .*\]' | sort -u; then :; fi
help=$(grep -o '"helpUri": *"[^"]*ONCRPC1101[^"]*"' "$work/errors.sarif" | sed -n '1s/.*"\([^"]*\)"$/\1/p' || true)
echo "=== consumer.helpUri"; echo "$help"
page=${help#file://}
echo "=== consumer.helpPage"; [ -f "$page" ] && head -n 1 "$page"
echo "=== done"
