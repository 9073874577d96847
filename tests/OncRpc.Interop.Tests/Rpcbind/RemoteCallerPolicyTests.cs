using System.Buffers;
using System.Text;
using OncRpc.Auth;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Protocol;
using OncRpc.Rpcbind;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.Rpcbind;

/// <summary>
/// Our rpcbind's safety defaults, for real across a veth pair: the test runs in a private
/// namespace (A, running <c>oncrpc rpcbind</c> at 10.231.0.1) that creates a second one (b, at
/// 10.231.0.2) with <c>ip netns add</c>; both and the private addresses vanish with the test.
/// From b: DUMP works; SET and INDIRECT sent as raw datagrams are refused with AUTH_ERROR /
/// AUTH_TOOWEAK (INDIRECT passes the gate with --allow-remote-indirect and then meets
/// PROG_UNAVAIL); Debian's <c>rpcinfo -b</c> and our <c>oncrpc info -b</c> get an answer only
/// when remote indirect calls are allowed. The same SET from A's own loopback is accepted.
/// </summary>
public sealed class RemoteCallerPolicyTests
{
    private const uint UnregisteredProgram = 0x2F00AB02;

    private const string Script = """
        dotnet=$1; dll=$2; allow=$3; set_call=$4; indirect_call=$5; peers=$6
        echo "=== setup"
        ip netns add b || exit 3
        ip link add va type veth peer name vb && ip link set vb netns b || exit 3
        ip addr add 10.231.0.1/24 brd + dev va && ip link set va up || exit 3
        ip netns exec b sh -c 'ip addr add 10.231.0.2/24 brd + dev vb && ip link set vb up && ip link set lo up' || exit 3
        flag=""; [ "$allow" = 1 ] && flag=--allow-remote-indirect
        "$dotnet" "$dll" rpcbind $flag > /run/rb.out 2>&1 & rb=$!
        i=0; while ! grep -q ready /run/rb.out 2>/dev/null; do i=$((i+1)); [ $i -gt 300 ] && break; sleep 0.1; done
        cat /run/rb.out
        # One datagram to rpcbind at $1 from where the command runs; prints the reply in hex.
        # (dd sends it in one write: bash's printf would flush at each 0x0a byte, splitting the datagram.)
        raw='exec 3<>/dev/udp/$1/111; printf "%b" "$2" | dd bs=4096 iflag=fullblock count=1 2>/dev/null >&3; timeout 3 dd bs=4096 count=1 <&3 2>/dev/null | od -An -v -tx1 | tr -d " \n"; echo'
        echo "=== remote.dump"; ip netns exec b rpcinfo -p 10.231.0.1; echo "rc=$?"
        echo "=== remote.set"; ip netns exec b bash -c "$raw" sh 10.231.0.1 "$set_call"
        echo "=== remote.indirect"; ip netns exec b bash -c "$raw" sh 10.231.0.1 "$indirect_call"
        if [ -n "$peers" ]; then
          "$peers/log_svc" --port 0 --rpcbind --lifetime 50 --log /run/log.txt > /run/log.ready 2>/run/log.err & ls=$!
          i=0; while [ ! -s /run/log.ready ]; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.1; done
          echo "=== remote.broadcast"; ip netns exec b timeout 20 rpcinfo -b 824395111 1; echo "rc=$?"
          echo "=== remote.info.b"; ip netns exec b "$dotnet" "$dll" info -b 824395111 1 --broadcast-address 10.231.0.255 --timeout 2; echo "rc=$?"
          kill $ls; wait $ls 2>/dev/null
        fi
        echo "=== after.remote"; rpcinfo -p 127.0.0.1
        echo "=== local.set"; bash -c "$raw" sh 127.0.0.1 "$set_call"
        echo "=== after.local"; rpcinfo -p 127.0.0.1
        kill -TERM $rb; wait $rb
        ip netns del b
        echo "=== done"
        """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NonLocalCallersCannotRegisterAndIndirectCallsFollowTheOption(bool allowRemoteIndirect)
    {
        Requirements.SkipUnlessRpcbindAvailable();
        Requirements.SkipUnlessNetworkNamespacesAvailable();
        (string dotnet, string dll) = OncRpcTool.Require();
        bool peerTools = new[] { "rpcgen", "gcc", "make" }.All(t => Requirements.FindOnPath(t) is not null)
            && File.Exists(Requirements.TirpcHeader);
        string peers = peerTools || Requirements.PeersRequired ? CPeers.Get().Directory : "";

        // PROG 0x2F00AB01 version 1 on tcp at 10.231.0.1:1025, and an INDIRECT to a program nobody registered.
        string set = Escape(Call(0x51, RpcbindProtocol.ProcSet, new RpcbindMapping(0x2F00AB01, 1, "tcp", "10.231.0.1.4.1", "")));
        string indirect = Escape(Call(0x52, RpcbindProtocol.ProcIndirect,
            new RpcbindRemoteCallArgs(UnregisteredProgram, 1, 0, ReadOnlyMemory<byte>.Empty)));
        ProcessResult result = await NetworkNamespace.RunAsync(Script,
            [dotnet, dll, allowRemoteIndirect ? "1" : "0", set, indirect, peers], TimeSpan.FromSeconds(150),
            TestContext.Current.CancellationToken);
        Dictionary<string, string> s = OncRpcTool.Sections(result.StandardOutput);
        Assert.True(s.ContainsKey("done"), result.Describe());

        Assert.Matches(@"\s100000\s+2\s+udp\s+111\s+portmapper", s.Section("remote.dump", result));
        // xid, REPLY, MSG_DENIED, AUTH_ERROR, AUTH_TOOWEAK.
        const string tooWeak = "00000001000000010000000100000005";
        Assert.Equal("00000051" + tooWeak, s.Section("remote.set", result).Trim());
        Assert.Equal(allowRemoteIndirect
                ? "00000052" + "00000001" + "00000000" + "0000000000000000" + "00000001" // accepted, AUTH_NONE verifier, PROG_UNAVAIL
                : "00000052" + tooWeak,
            s.Section("remote.indirect", result).Trim());
        if (peers.Length > 0)
        {
            string broadcast = s.Section("remote.broadcast", result);
            string ours = s.Section("remote.info.b", result);
            if (allowRemoteIndirect)
            {
                Assert.Contains("10.231.0.1", broadcast);
                Assert.Matches(@"^127\.0\.0\.1\.\d+\.\d+ 10\.231\.0\.1\s", ours); // UADDR (log_svc binds loopback) SENDER
                Assert.Contains("rc=0", ours);
            }
            else
            {
                Assert.DoesNotContain("10.231.0.1", broadcast);
                Assert.Contains("rc=1", ours);
            }
        }
        Assert.DoesNotContain("788572929", s.Section("after.remote", result)); // 0x2F00AB01
        // From A's own loopback the same SET is accepted: accepted, SUCCESS, TRUE.
        Assert.Equal("00000051" + "00000001" + "00000000" + "0000000000000000" + "00000000" + "00000001",
            s.Section("local.set", result).Trim());
        Assert.Contains("788572929", s.Section("after.local", result));
    }

    private static byte[] Call<T>(uint xid, uint procedure, T arguments) where T : IXdrSerializable<T>
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        new RpcCallHeader(xid, RpcbindProtocol.Program, RpcbindProtocol.Version4, procedure, OpaqueAuth.None, OpaqueAuth.None).WriteTo(ref writer);
        arguments.WriteTo(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    // printf %b escapes: every byte as \xHH, so no byte is ever taken as text by the shell.
    private static string Escape(byte[] bytes)
    {
        var text = new StringBuilder(bytes.Length * 4);
        foreach (byte b in bytes)
        {
            text.Append("\\x").Append(b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
