using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Rpcbind;

/// <summary>
/// Our rpcbind (<c>oncrpc rpcbind</c>) in a private network and mount namespace, so it owns port
/// 111 and /run/rpcbind.sock there, queried by Debian's rpcinfo (-p, -s, -T tcp|udp for versions
/// 2, 3 and 4, -m, -l), used by a libtirpc C server that registers with it (svc_reg over the local
/// socket) and a C client that finds that server through it (clnt_create), and by our own
/// <c>oncrpc info</c>.
/// </summary>
public sealed class OurRpcbindWithDebianToolsTests
{
    private const string Script = """
        dotnet=$1; dll=$2; peers=$3
        "$dotnet" "$dll" rpcbind > /run/rb.out 2>&1 & rb=$!
        i=0; while ! grep -q ready /run/rb.out 2>/dev/null; do i=$((i+1)); [ $i -gt 300 ] && break; sleep 0.1; done
        echo "=== listening"; cat /run/rb.out
        echo "=== p"; rpcinfo -p 127.0.0.1; echo "rc=$?"
        echo "=== s"; rpcinfo -s 127.0.0.1; echo "rc=$?"
        for t in tcp udp; do for v in 2 3 4; do echo "=== T $t $v"; rpcinfo -T $t 127.0.0.1 100000 $v; echo "rc=$?"; done; done
        echo "=== l"; rpcinfo -l 127.0.0.1 100000 4; echo "rc=$?"
        if [ -n "$peers" ]; then
          "$peers/log_svc" --port 0 --rpcbind --lifetime 50 --log /run/log.txt > /run/log.ready 2>/run/log.err & ls=$!
          i=0; while [ ! -s /run/log.ready ]; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.1; done
          echo "=== c.p"; rpcinfo -p 127.0.0.1; echo "rc=$?"
          echo "=== c.s"; rpcinfo -s; echo "rc=$?"
          for t in tcp udp; do echo "=== c.T $t"; rpcinfo -T $t 127.0.0.1 824395111 1; echo "rc=$?"; done
          for t in tcp udp; do echo "=== c.client $t"; "$peers/log_clnt" --host 127.0.0.1 --transport $t "via our rpcbind $t"; echo "rc=$?"; done
          echo "=== c.info"; "$dotnet" "$dll" info -T udp 127.0.0.1 824395111 1; echo "rc=$?"
          echo "=== c.log"; cat /run/log.txt
          kill $ls; wait $ls 2>/dev/null; sleep 0.2
          echo "=== c.gone"; rpcinfo -p 127.0.0.1; echo "rc=$?"
        fi
        echo "=== m"; rpcinfo -m 127.0.0.1; echo "rc=$?"
        echo "=== info.p"; "$dotnet" "$dll" info -p 127.0.0.1; echo "rc=$?"
        echo "=== info.s.json"; "$dotnet" "$dll" info -s --json 127.0.0.1; echo "rc=$?"
        echo "=== info.T"; "$dotnet" "$dll" info -T tcp 127.0.0.1 rpcbind; echo "rc=$?"
        echo "=== info.m"; "$dotnet" "$dll" info -m 127.0.0.1; echo "rc=$?"
        kill -TERM $rb; wait $rb; echo "=== exit"; echo "rc=$?"
        """;

    [Fact]
    public async Task RpcinfoAndTheCPeersWorkAgainstOurRpcbind()
    {
        Requirements.SkipUnlessRpcbindAvailable();
        Requirements.SkipUnlessNetworkNamespacesAvailable();
        (string dotnet, string dll) = OncRpcTool.Require();
        // Without the C peers' tools the rpcinfo checks still run (unless peers are required).
        bool peerTools = new[] { "rpcgen", "gcc", "make" }.All(t => Requirements.FindOnPath(t) is not null)
            && File.Exists(Requirements.TirpcHeader);
        string peers = peerTools || Requirements.PeersRequired ? CPeers.Get().Directory : "";

        ProcessResult result = await NetworkNamespace.RunAsync(Script, [dotnet, dll, peers], TimeSpan.FromSeconds(150),
            TestContext.Current.CancellationToken);
        Dictionary<string, string> s = OncRpcTool.Sections(result.StandardOutput);

        Assert.Contains("rpcbind listening on local /run/rpcbind.sock", s.Section("listening", result));
        string p = s.Section("p", result);
        foreach (string proto in new[] { "tcp", "udp" })
        {
            foreach (int v in new[] { 4, 3, 2 })
            {
                Assert.Matches($@"\s100000\s+{v}\s+{proto}\s+111\s+portmapper", p);
            }
        }
        Assert.Matches(@"100000\s+2,3,4\s+\S*\s+portmapper\s+superuser", s.Section("s", result));
        foreach (string t in new[] { "tcp", "udp" })
        {
            foreach (int v in new[] { 2, 3, 4 })
            {
                Assert.Contains($"program 100000 version {v} ready and waiting", s.Section($"T {t} {v}", result));
            }
        }
        Assert.Contains("127.0.0.1.0.111", s.Section("l", result));
        Assert.Contains("/run/rpcbind.sock", s.Section("l", result));

        if (peers.Length > 0)
        {
            Assert.Contains("824395111", s.Section("c.p", result));
            Assert.Matches(@"824395111\s+1\s+\S*tcp\S*", s.Section("c.s", result));
            Assert.Contains("program 824395111 version 1 ready and waiting", s.Section("c.T tcp", result));
            Assert.Contains("program 824395111 version 1 ready and waiting", s.Section("c.T udp", result));
            Assert.Contains("rc=0", s.Section("c.client tcp", result));
            Assert.Contains("rc=0", s.Section("c.client udp", result));
            Assert.Contains("program 824395111 version 1 ready and waiting", s.Section("c.info", result));
            Assert.Contains("via our rpcbind tcp", s.Section("c.log", result));
            Assert.Contains("via our rpcbind udp", s.Section("c.log", result));
            Assert.DoesNotContain("824395111", s.Section("c.gone", result)); // svc_unreg at exit
        }

        string m = s.Section("m", result);
        Assert.Contains("PORTMAP (version 2) statistics", m);
        Assert.Contains("RPCBIND (version 4) statistics", m);
        Assert.Matches(@"\s100000\s+2\s+udp\s+111\s+portmapper", s.Section("info.p", result));
        Assert.Contains("\"owner\": \"superuser\"", s.Section("info.s.json", result));
        Assert.Contains("program 100000 version 4 ready and waiting", s.Section("info.T", result));
        Assert.Contains("RPCBIND (version 4) statistics", s.Section("info.m", result));
        Assert.Contains("rc=0", s.Section("exit", result));
    }
}
