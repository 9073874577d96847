using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Rpcbind;

namespace OncRpc.Interop.Tests.Binding;

/// <summary>
/// The binder across a real link: three log servers (samples/LogService), one of them in its own
/// network namespace behind a veth pair, a client importing all three through the embedded static
/// binder and calling RLOG (at-least-once) continuously. Taking the veth down cuts that server off
/// without a reset, as a dead host or a partition would: its probes time out, it is ejected, the
/// calls caught on it move to the others, and none fails.
/// </summary>
public sealed class VethFailoverTests
{
    private const int Calls = 20_000;

    private const string Script = """
        dotnet=$1; dll=$2; calls=$3
        echo "=== setup"
        ip netns add b || exit 3
        ip link add va type veth peer name vb && ip link set vb netns b || exit 3
        ip addr add 10.231.1.1/24 dev va && ip link set va up || exit 3
        ip netns exec b sh -c 'ip addr add 10.231.1.2/24 dev vb && ip link set vb up && ip link set lo up' || exit 3
        ip netns exec b "$dotnet" "$dll" server --host 10.231.1.2 --port 4001 --log /run/b.log > /run/s1.out 2>&1 & s1=$!
        "$dotnet" "$dll" server --host 127.0.0.1 --port 4002 --log /run/a2.log > /run/s2.out 2>&1 & s2=$!
        "$dotnet" "$dll" server --host 127.0.0.1 --port 4003 --log /run/a3.log > /run/s3.out 2>&1 & s3=$!
        for f in /run/s1.out /run/s2.out /run/s3.out; do
          i=0; while ! grep -q listening "$f" 2>/dev/null; do i=$((i+1)); [ $i -gt 300 ] && break; sleep 0.1; done
        done
        cat /run/s1.out /run/s2.out /run/s3.out
        messages=$(seq -f m%g "$calls")
        : > /run/c.out; : > /run/b.log; : > /run/a2.log; : > /run/a3.log
        "$dotnet" "$dll" client --binder static=10.231.1.2:4001,127.0.0.1:4002,127.0.0.1:4003 -- $messages > /run/c.out 2>&1 & c=$!
        # Cut server 1 off once the client is well under way (a few hundred calls answered).
        i=0; while [ "$(wc -l < /run/c.out)" -lt 500 ]; do i=$((i+1)); [ $i -gt 600 ] && break; sleep 0.05; done
        ip netns exec b ip link set vb down
        echo "=== cut"; echo "after=$(wc -l < /run/c.out)"
        wait $c; echo "=== client"; echo "rc=$?"
        echo "answered=$(grep -c ') = 0$' /run/c.out)"
        echo "failed=$(grep -vc ') = 0$' /run/c.out)"
        grep -v ') = 0$' /run/c.out | head -5
        echo "=== logged"
        echo "b=$(wc -l < /run/b.log) a2=$(wc -l < /run/a2.log) a3=$(wc -l < /run/a3.log)"
        kill $s1 $s2 $s3; wait
        ip netns del b
        echo "=== done"
        """;

    [Fact]
    public async Task A_server_cut_off_by_its_veth_going_down_is_failed_over_with_no_failed_call()
    {
        Requirements.SkipUnlessNetworkNamespacesAvailable();
        (string dotnet, string dll) = Sample.Require("LogService");
        ProcessResult result = await NetworkNamespace.RunAsync(Script,
            [dotnet, dll, Calls.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(150),
            TestContext.Current.CancellationToken);
        Dictionary<string, string> s = OncRpcTool.Sections(result.StandardOutput);
        string detail = result.Describe();
        Assert.True(s.ContainsKey("done"), detail);
        Assert.Contains("rc=0", s["client"], StringComparison.Ordinal);
        Assert.Contains($"answered={Calls}", s["client"], StringComparison.Ordinal);
        Assert.Contains("failed=0", s["client"], StringComparison.Ordinal);
        // The cut came once the client was under way; server 1 served its share before it, and
        // the others everything after it.
        Assert.Contains("after=", s["cut"], StringComparison.Ordinal);
        Assert.True(int.Parse(s["cut"].Trim()["after=".Length..], System.Globalization.CultureInfo.InvariantCulture) >= 500, detail);
        int[] logged = [.. s["logged"].Trim().Split(' ').Select(p => int.Parse(p.Split('=')[1], System.Globalization.CultureInfo.InvariantCulture))];
        Assert.True(logged[0] > 0 && logged[0] < Calls / 2, detail);
        // RLOG is at-least-once: every message is logged, and the one call the client (sequential)
        // had in flight on server 1 at the cut may have run there before its reply was lost, then
        // again on the server it failed over to. Never more than that one.
        Assert.InRange(logged.Sum(), Calls, Calls + 1);
    }
}
