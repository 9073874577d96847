using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Rpcbind;

namespace OncRpc.Interop.Tests.Tool;

/// <summary>
/// <c>oncrpc call HOST</c> without a port asks rpcbind, in a private network namespace (port 111
/// is ours there): first with nothing on port 111 (the tool says so and names <c>oncrpc rpcbind</c>,
/// as <c>oncrpc info</c> does), then with Debian's rpcbind and the C log server registered with it,
/// over TCP and UDP; <c>oncrpc info</c> takes the program number in hex.
/// </summary>
public sealed class CallThroughRpcbindTests
{
    private const string Script = """
        dotnet=$1; dll=$2; peers=$3; x=$4
        echo "=== none.call"; "$dotnet" "$dll" call "$x" 127.0.0.1 RLOG '"nobody"' 2>&1; echo "rc=$?"
        echo "=== none.info"; "$dotnet" "$dll" info -p 127.0.0.1 2>&1; echo "rc=$?"
        rpcbind -f -w > /run/rpcbind.out 2>&1 & rb=$!
        i=0; while ! rpcinfo -p 127.0.0.1 >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.1; done
        echo "=== unregistered"; "$dotnet" "$dll" call "$x" 127.0.0.1 RLOG '"nobody"' 2>&1; echo "rc=$?"
        "$peers/log_svc" --port 0 --rpcbind --lifetime 60 --log /run/log.txt > /run/log.ready 2>/run/log.err & ls=$!
        i=0; while [ ! -s /run/log.ready ]; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.1; done
        for t in tcp udp; do echo "=== call.$t"; "$dotnet" "$dll" call -T $t "$x" 127.0.0.1 RLOG "\"through rpcbind over $t\"" 2>&1; echo "rc=$?"; done
        echo "=== info.hex"; "$dotnet" "$dll" info -T udp 127.0.0.1 0x31234567 1 2>&1; echo "rc=$?"
        echo "=== log"; cat /run/log.txt
        kill $ls; wait $ls 2>/dev/null
        kill $rb; wait $rb 2>/dev/null
        echo "=== end"
        """;

    [Fact]
    public async Task CallFindsTheCLogServerThroughRpcbindAndSaysWhenNoneAnswers()
    {
        Requirements.SkipUnlessRpcbindAvailable();
        Requirements.SkipUnlessNetworkNamespacesAvailable();
        (string dotnet, string dll) = OncRpcTool.Require();
        CPeerBuild peers = CPeers.Get();

        ProcessResult result = await NetworkNamespace.RunAsync(Script, [dotnet, dll, peers.Directory, ToolCall.LogX],
            TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
        Dictionary<string, string> s = OncRpcTool.Sections(result.StandardOutput);

        string none = s.Section("none.call", result);
        Assert.Contains("nothing answers as rpcbind on 127.0.0.1 port 111", none);
        Assert.Contains("oncrpc rpcbind", none);
        Assert.Contains("rc=1", none);
        Assert.Contains("nothing answers as rpcbind on 127.0.0.1 port 111", s.Section("none.info", result));
        Assert.Contains("oncrpc rpcbind", s.Section("none.info", result));
        Assert.Contains("LOG_PROG (0x31234567) version 1 is not registered with rpcbind on 127.0.0.1 port 111 for tcp", s.Section("unregistered", result));
        foreach (string t in new[] { "tcp", "udp" })
        {
            string call = s.Section($"call.{t}", result);
            Assert.True(call.StartsWith("0\n", StringComparison.Ordinal) && call.Contains("rc=0", StringComparison.Ordinal), result.Describe());
            Assert.Contains($"through rpcbind over {t}", s.Section("log", result));
        }
        Assert.Contains("program 824395111 version 1 ready and waiting", s.Section("info.hex", result));
    }
}
