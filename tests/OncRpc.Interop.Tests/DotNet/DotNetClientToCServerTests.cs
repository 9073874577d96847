using System.Net;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Programs;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.DotNet;

/// <summary>Our <see cref="RpcClient"/> against the C reference servers (libtirpc + rpcgen),
/// over TCP and UDP: every XDR construct, the 1 MiB argument, every error reply.</summary>
public sealed class DotNetClientToCServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<RpcClient> ConnectAsync(PeerProcess server, string transport, RpcClientOptions? options = null)
    {
        options ??= new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10) };
        return transport == "tcp"
            ? await RpcClient.ConnectTcpAsync(server.TcpEndPoint, options, Ct)
            : RpcClient.CreateUdp(server.UdpEndPoint, options);
    }

    private static async Task<T> EchoAsync<T>(RpcClient client, RpcProcedureDescriptor procedure, T value)
        where T : IXdrSerializable<T>
    {
        var echoed = await client.CallAsync<T, T>(procedure, value, Ct);
        Assert.Equal(XdrSerializer.ToArray(value), XdrSerializer.ToArray(echoed));
        return echoed;
    }

    private static async Task<RpcException> CallFailsAsync<TArgs>(RpcClient client, RpcProcedureDescriptor procedure, TArgs args)
        where TArgs : IXdrSerializable<TArgs> =>
        await Assert.ThrowsAsync<RpcException>(async () => await client.CallAsync<TArgs, XdrInt>(procedure, args, Ct));

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task RlogReachesTheCLogServer(string transport)
    {
        var peers = CPeers.Get();
        var logFile = Path.Combine(peers.Directory, $"log-{Guid.NewGuid():N}.txt");
        await using var server = await peers.StartServerAsync(peers.LogServer, transport, ["--log", logFile], Ct);
        await using var client = await ConnectAsync(server, transport);

        Assert.Equal(0, (await client.CallAsync<XdrString, XdrInt>(LogProgram.Rlog, "hello from .NET", Ct)).Value);
        Assert.Equal(0, (await client.CallAsync<XdrString, XdrInt>(LogProgram.Rlog, "h\u00e9llo \u20ac", Ct)).Value);
        Assert.Equal(["hello from .NET", "h\u00e9llo \u20ac"], await File.ReadAllLinesAsync(logFile, Ct));
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task EveryPrimitiveEchoes(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        await using var client = await ConnectAsync(server, transport);

        await client.CallAsync<XdrVoid, XdrVoid>(InteropProgram.Null, default, Ct);
        foreach (var v in new[] { 0, 1, -1, int.MinValue, int.MaxValue })
        {
            Assert.Equal(v, (await EchoAsync<XdrInt>(client, InteropProgram.EchoInt, v)).Value);
        }
        foreach (var v in new[] { 0u, 1u, 0x80000000u, uint.MaxValue })
        {
            Assert.Equal(v, (await EchoAsync<XdrUInt>(client, InteropProgram.EchoUInt, v)).Value);
        }
        foreach (var v in new[] { 0L, -1L, long.MinValue, long.MaxValue, 0x0123456789abcdefL })
        {
            Assert.Equal(v, (await EchoAsync<XdrHyper>(client, InteropProgram.EchoHyper, v)).Value);
        }
        foreach (var v in new[] { 0UL, ulong.MaxValue, 0x8000000000000000UL })
        {
            Assert.Equal(v, (await EchoAsync<XdrUHyper>(client, InteropProgram.EchoUHyper, v)).Value);
        }
        // Bit-exact: -0, denormals, infinities and NaN survive (EchoAsync compares encodings).
        foreach (var v in new[] { 0f, -0f, 1.5f, float.MaxValue, float.Epsilon, float.PositiveInfinity, float.NaN })
        {
            await EchoAsync<XdrFloat>(client, InteropProgram.EchoFloat, v);
        }
        foreach (var v in new[] { 0d, -0d, Math.PI, double.MaxValue, double.Epsilon, double.NegativeInfinity, double.NaN })
        {
            await EchoAsync<XdrDouble>(client, InteropProgram.EchoDouble, v);
        }
        Assert.True((await EchoAsync<XdrBool>(client, InteropProgram.EchoBool, true)).Value);
        Assert.False((await EchoAsync<XdrBool>(client, InteropProgram.EchoBool, false)).Value);
        foreach (var c in Enum.GetValues<Color>())
        {
            Assert.Equal(c, (await EchoAsync(client, InteropProgram.EchoColor, new XdrColor(c))).Value);
        }
        foreach (var s in new[] { "", "a", "abc", "abcd", "abcde", new string('x', 1000), "h\u00e9llo w\u00f6rld \u20ac" })
        {
            Assert.Equal(s, (await EchoAsync<XdrString>(client, InteropProgram.EchoText, s)).Value);
        }
        foreach (var n in new[] { 0, 1, 2, 3, 4, 5, 1000, 8000 })
        {
            var bytes = Pattern(n);
            Assert.Equal(bytes, (await EchoAsync<XdrOpaque>(client, InteropProgram.EchoBytes, bytes)).Value.ToArray());
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task EveryCompositeEchoes(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        await using var client = await ConnectAsync(server, transport);

        for (var k = 0; k < 3; k++)
        {
            await EchoAsync(client, InteropProgram.EchoScalars, Scalars.Sample(k));
        }
        await EchoAsync(client, InteropProgram.EchoBlobs, SampleBlobs());
        await EchoAsync(client, InteropProgram.EchoBlobs, new Blobs());
        foreach (var choice in SampleChoices())
        {
            await EchoAsync(client, InteropProgram.EchoChoice, choice);
        }
        await EchoAsync(client, InteropProgram.EchoPainted, new Painted { C = Color.Red, Level = -42 });
        await EchoAsync(client, InteropProgram.EchoPainted, new Painted { C = Color.Green, Label = "green" });
        await EchoAsync(client, InteropProgram.EchoPainted, new Painted { C = Color.Blue, Label = "" });
        await EchoAsync(client, InteropProgram.EchoPainted, new Painted { C = Color.Black });
        foreach (var n in new[] { 0, 1, 2, 500 })
        {
            var list = await EchoAsync(client, InteropProgram.EchoList, NodeList.Sample(n));
            Assert.Equal(n, list.Values.Count);
        }
        await EchoAsync(client, InteropProgram.EchoRecord, SampleRecord());
    }

    [Fact]
    public async Task OneMebibyteArgumentEchoesOverTcp()
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, "tcp", cancellationToken: Ct);
        await using var client = await ConnectAsync(server, "tcp");
        var mib = Pattern(1 << 20);
        var echoed = await client.CallAsync<XdrOpaque, XdrOpaque>(InteropProgram.EchoBytes, mib, Ct);
        Assert.True(mib.AsSpan().SequenceEqual(echoed.Value.Span));
        // And a long linked list (libtirpc recurses per node; 10000 is safe for it).
        Assert.Equal(10000, (await EchoAsync(client, InteropProgram.EchoList, NodeList.Sample(10000))).Values.Count);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task EveryErrorReplyBecomesItsRpcException(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        await using var client = await ConnectAsync(server, transport);

        var noProgram = await CallFailsAsync(client, InteropProgram.UnknownProgram, new XdrVoid());
        Assert.Equal(RpcStatus.ProgramUnavailable, noProgram.Status);

        var mismatch = await CallFailsAsync(client, InteropProgram.NullV3, new XdrVoid());
        Assert.Equal((RpcStatus.ProgramMismatch, 1u, 2u), (mismatch.Status, mismatch.Low, mismatch.High));

        Assert.Equal(RpcStatus.ProcedureUnavailable, (await CallFailsAsync(client, InteropProgram.UnknownProcedure, new XdrVoid())).Status);
        Assert.Equal(RpcStatus.ProcedureUnavailable,
            (await CallFailsAsync(client, InteropProgram.EchoScalars with { Version = 2 }, new XdrVoid())).Status);

        Assert.Equal(RpcStatus.GarbageArguments, (await CallFailsAsync(client, InteropProgram.EchoBlobs, new GarbageBlobs())).Status);
        if (transport == "tcp")
        {
            // libtirpc's UDP server reads past the datagram and cannot see this one.
            Assert.Equal(RpcStatus.GarbageArguments, (await CallFailsAsync(client, InteropProgram.EchoScalars, new XdrInt(7))).Status);
        }

        var system = await CallFailsAsync(client, InteropProgram.Fail, new XdrInt(InteropProgram.FailSystemErr));
        Assert.Equal(RpcStatus.SystemError, system.Status);
        Assert.True(system.IsTransient);
        Assert.Equal(RpcStatus.GarbageArguments,
            (await CallFailsAsync(client, InteropProgram.Fail, new XdrInt(InteropProgram.FailGarbageArgs))).Status);
        var weak = await CallFailsAsync(client, InteropProgram.Fail, new XdrInt(InteropProgram.FailAuthTooWeak));
        Assert.Equal((RpcStatus.AuthError, AuthStat.TooWeak), (weak.Status, weak.AuthStat));
        var badCred = await CallFailsAsync(client, InteropProgram.Fail, new XdrInt(InteropProgram.FailAuthBadCred));
        Assert.Equal((RpcStatus.AuthError, AuthStat.BadCred), (badCred.Status, badCred.AuthStat));
        Assert.Equal(RpcStatus.ProcedureUnavailable,
            (await CallFailsAsync(client, InteropProgram.Fail, new XdrInt(InteropProgram.FailProcUnavail))).Status);

        // The client (and its connection) survive every error reply.
        Assert.Equal(42, (await client.CallAsync<XdrInt, XdrInt>(InteropProgram.Fail, 42, Ct)).Value);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task UnansweredCallTimesOutAndTheClientGoesOn(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        await using var client = await ConnectAsync(server, transport, new RpcClientOptions
        {
            Timeout = TimeSpan.FromSeconds(1),
            RetransmitInterval = TimeSpan.FromMilliseconds(300),
            MaxRetransmitInterval = TimeSpan.FromMilliseconds(600),
        });
        var timedOut = await CallFailsAsync(client, InteropProgram.Fail, new XdrInt(InteropProgram.FailNoReply));
        Assert.Equal(RpcStatus.TimedOut, timedOut.Status);
        Assert.True(timedOut.IsTransient);
        // Unlike libtirpc's TCP client, ours stays usable after a timeout.
        Assert.Equal(5, (await client.CallAsync<XdrInt, XdrInt>(InteropProgram.EchoInt, 5, Ct)).Value);
    }

    [Fact]
    public async Task UdpRetransmissionsGetOneAnswerAndDuplicatesAreDropped()
    {
        // The single-threaded C server sleeps 700 ms per datagram; our client retransmits every
        // 200-400 ms with the same xid, so the server answers the call several times. The first
        // answer completes the call; the late duplicates must not disturb the calls after it.
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, "udp", cancellationToken: Ct);
        await using var client = await ConnectAsync(server, "udp", new RpcClientOptions
        {
            Timeout = TimeSpan.FromSeconds(15),
            RetransmitInterval = TimeSpan.FromMilliseconds(200),
            MaxRetransmitInterval = TimeSpan.FromMilliseconds(400),
        });
        Assert.Equal(700u, (await client.CallAsync<XdrUInt, XdrUInt>(InteropProgram.SleepMs, 700u, Ct)).Value);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(i - 100, (await client.CallAsync<XdrInt, XdrInt>(InteropProgram.EchoInt, i - 100, Ct)).Value);
        }
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task AuthSysCredentialsAreWhatTheServerSees(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        await using var client = await ConnectAsync(server, transport, new RpcClientOptions
        {
            Timeout = TimeSpan.FromSeconds(10),
            Credentials = RpcCredentials.Sys(0x01020304, "interop-test", 1234, 5678, [1, 2, 3]),
        });
        for (var i = 0; i < 2; i++) // the second call would use an AUTH_SHORT handle if libtirpc gave one (it does not)
        {
            var creds = await client.CallAsync<XdrVoid, Creds>(InteropProgram.WhoAmI, default, Ct);
            Assert.Equal((int)AuthFlavor.Sys, creds.Flavor);
            Assert.Equal((0x01020304u, "interop-test", 1234u, 5678u), (creds.Stamp, creds.Machine, creds.Uid, creds.Gid));
            Assert.Equal([1u, 2u, 3u], creds.Gids);
        }
        await using var anonymous = await ConnectAsync(server, transport);
        Assert.Equal((int)AuthFlavor.None, (await anonymous.CallAsync<XdrVoid, Creds>(InteropProgram.WhoAmI, default, Ct)).Flavor);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task BothVersionsAnswer(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        await using var client = await ConnectAsync(server, transport);
        Assert.Equal(1u, (await client.CallAsync<XdrVoid, XdrUInt>(InteropProgram.WhichVersion, default, Ct)).Value);
        Assert.Equal(2u, (await client.CallAsync<XdrVoid, XdrUInt>(InteropProgram.WhichVersion2, default, Ct)).Value);
        Assert.Equal(-9, (await client.CallAsync<XdrInt, XdrInt>(InteropProgram.EchoInt2, -9, Ct)).Value);
    }

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task ConcurrentCallsOnOneClientAllComeBackRight(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        await using var client = await ConnectAsync(server, transport);
        var calls = Enumerable.Range(0, 200).Select(async i =>
            (i, (await client.CallAsync<XdrInt, XdrInt>(InteropProgram.EchoInt, i * 7, Ct)).Value));
        foreach (var (i, value) in await Task.WhenAll(calls))
        {
            Assert.Equal(i * 7, value);
        }
    }

    [Fact]
    public async Task UnixSocketToTheCServer()
    {
        var peers = CPeers.Get();
        var socket = peers.NewSocketPath();
        await using var server = await peers.StartServerAsync(peers.InteropServer, "none", ["--unix", socket], Ct);
        await using var client = await RpcClient.ConnectUnixAsync(socket, new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10) }, Ct);

        await EchoAsync(client, InteropProgram.EchoRecord, SampleRecord());
        var mib = Pattern(1 << 20);
        var echoed = await client.CallAsync<XdrOpaque, XdrOpaque>(InteropProgram.EchoBytes, mib, Ct);
        Assert.True(mib.AsSpan().SequenceEqual(echoed.Value.Span));
        var mismatch = await CallFailsAsync(client, InteropProgram.NullV3, new XdrVoid());
        Assert.Equal((RpcStatus.ProgramMismatch, 1u, 2u), (mismatch.Status, mismatch.Low, mismatch.High));
        Assert.Equal(RpcStatus.GarbageArguments, (await CallFailsAsync(client, InteropProgram.EchoScalars, new XdrInt(7))).Status);
        var weak = await CallFailsAsync(client, InteropProgram.Fail, new XdrInt(InteropProgram.FailAuthTooWeak));
        Assert.Equal((RpcStatus.AuthError, AuthStat.TooWeak), (weak.Status, weak.AuthStat));
    }

    [Fact]
    public async Task RefusedConnectionIsCannotBind()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await RpcClient.ConnectTcpAsync(new IPEndPoint(IPAddress.Loopback, port), null, Ct));
        Assert.Equal(RpcStatus.CannotBind, e.Status);
    }

    internal static byte[] Pattern(int n)
    {
        var bytes = new byte[n];
        for (var i = 0; i < n; i++)
        {
            bytes[i] = (byte)((i * 7) + 3);
        }
        return bytes;
    }

    internal static Blobs SampleBlobs() => new()
    {
        FixedOp = Pattern(InteropProgram.FixedOpaque),
        VarOp = [1, 2, 3, 4, 5],
        UnbOp = [9, 8, 7, 6, 5, 4, 3],
        Name = "abcdefghijklmnopqrstuvwxyz012345", // exactly the 32-byte bound
        Text = "text",
        FixedArr = [10, -20, int.MaxValue],
        VarArr = [1, -2, 3, -4, 5, -6, 7, int.MinValue],
        Many = [Scalars.Sample(1), Scalars.Sample(2)],
    };

    internal static IEnumerable<Choice> SampleChoices() =>
    [
        Choice.OfNumber(1, 1001), Choice.OfNumber(2, 1002), Choice.OfText("three"),
        Choice.OfValues(Scalars.Sample(4)), Choice.OfVoid(), Choice.OfOther(99, long.MinValue + 199),
        Choice.OfOther(-7, 12345),
    ];

    internal static InteropRecord SampleRecord() => new()
    {
        S = Scalars.Sample(7),
        B = new Blobs { FixedOp = Pattern(InteropProgram.FixedOpaque), VarOp = "xyz"u8.ToArray(), Name = "record", Text = "a record with everything", FixedArr = [1, 2, 3] },
        Ch = Choice.OfText("chosen"),
        P = new Painted { C = Color.Green, Label = "leaf" },
        List = NodeList.Sample(5),
        Palette = [Color.Red, Color.Green, Color.Blue, Color.Black],
        Choices = [Choice.OfNumber(1, 11), Choice.OfVoid(), Choice.OfOther(77, 1234567890123L)],
    };
}
