using System.Net;
using Microsoft.Extensions.Time.Testing;
using OncRpc.Auth;
using OncRpc.Binding;
using OncRpc.Client;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.Tests.Client;

/// <summary>Per-call overrides (<see cref="RpcCallOptions"/>) on every transport, in virtual time.</summary>
public class CallOptionsTests
{
    private static readonly RpcProcedureDescriptor Echo = TcpClientTests.Echo;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fake server of one transport and a client connected to it: the test reads the
    /// client's calls and answers them the same way on each.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private FakeStreamServer? _stream;
        private FakeUdpServer? _udp;
        private FakePeer? _peer;
        private EndPoint? _from;

        public RpcClient Client { get; private set; } = null!;

        public static async Task<Rig> StartAsync(string transport, RpcClientOptions options)
        {
            var rig = new Rig();
            switch (transport)
            {
                case "udp":
                    rig._udp = new FakeUdpServer();
                    rig.Client = RpcClient.CreateUdp(rig._udp.EndPoint, options);
                    break;
                case "unix":
                    rig._stream = FakeStreamServer.Unix();
                    rig.Client = await RpcClient.ConnectUnixAsync(rig._stream.UnixPath!, options, Ct);
                    rig._peer = await rig._stream.AcceptAsync();
                    break;
                default:
                    rig._stream = new FakeStreamServer();
                    rig.Client = await RpcClient.ConnectTcpAsync(rig._stream.EndPoint, options, Ct);
                    rig._peer = await rig._stream.AcceptAsync();
                    break;
            }
            return rig;
        }

        public async Task<ReceivedCall> ReadCallAsync()
        {
            if (_peer is not null)
            {
                return await _peer.ReadCallAsync();
            }
            (ReceivedCall call, EndPoint from, _) = await _udp!.ReceiveCallAsync();
            _from = from;
            return call;
        }

        public Task ReplyAsync(byte[] message) => _peer is not null ? _peer.SendMessageAsync(message) : _udp!.SendAsync(message, _from!);

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            if (_stream is not null)
            {
                await _stream.DisposeAsync();
            }
            _udp?.Dispose();
        }
    }

    /// <summary>Virtual time, and no UDP retransmission within the test's span: every datagram
    /// the fake server reads is a new call.</summary>
    private static RpcClientOptions Options(FakeTimeProvider time, TimeSpan timeout) => new()
    {
        Timeout = timeout,
        TimeProvider = time,
        RetransmitInterval = TimeSpan.FromHours(1),
        MaxRetransmitInterval = TimeSpan.FromHours(1),
    };

    private static Task<int> CallAsync(RpcClient client, int argument, RpcCallOptions options, bool sync) => sync
        ? SyncCallTests.OnThread(() => client.Call<XdrInt, XdrInt>(Echo, argument, options, Ct).Value)
        : ValueOf(client.CallAsync<XdrInt, XdrInt>(Echo, argument, options, Ct));

    private static async Task<int> ValueOf(ValueTask<XdrInt> call) => (await call).Value;

    [Theory]
    [InlineData("tcp", false)]
    [InlineData("tcp", true)]
    [InlineData("unix", false)]
    [InlineData("unix", true)]
    [InlineData("udp", false)]
    [InlineData("udp", true)]
    public async Task A_call_timeout_bounds_that_call_only(string transport, bool sync)
    {
        var time = new FakeTimeProvider();
        await using Rig rig = await Rig.StartAsync(transport, Options(time, TimeSpan.FromSeconds(10)));
        Task<int> shortCall = CallAsync(rig.Client, 1, new RpcCallOptions(Timeout: TimeSpan.FromSeconds(2)), sync);
        await rig.ReadCallAsync();
        Task<int> plainCall = CallAsync(rig.Client, 2, default, sync);
        ReceivedCall plain = await rig.ReadCallAsync();

        time.Advance(TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<RpcException>(() => shortCall.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(RpcStatus.TimedOut, e.Status);
        Assert.Contains("00:00:02", e.Message);
        Assert.False(plainCall.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(7));
        await rig.ReplyAsync(RpcBytes.Success(plain.Xid, XdrBytes.Int(20)));
        Assert.Equal(20, await plainCall.WaitAsync(TimeSpan.FromSeconds(10), Ct)); // the client's 10 s still running
    }

    [Theory]
    [InlineData("tcp", false)]
    [InlineData("tcp", true)]
    [InlineData("unix", false)]
    [InlineData("udp", false)]
    [InlineData("udp", true)]
    public async Task A_call_timeout_may_be_longer_than_the_clients_or_infinite(string transport, bool sync)
    {
        var time = new FakeTimeProvider();
        await using Rig rig = await Rig.StartAsync(transport, Options(time, TimeSpan.FromSeconds(1)));
        Task<int> longCall = CallAsync(rig.Client, 1, new RpcCallOptions(Timeout: TimeSpan.FromSeconds(30)), sync);
        ReceivedCall first = await rig.ReadCallAsync();
        Task<int> endless = CallAsync(rig.Client, 2, new RpcCallOptions(Timeout: Timeout.InfiniteTimeSpan), sync);
        ReceivedCall second = await rig.ReadCallAsync();
        Task<int> plainCall = CallAsync(rig.Client, 3, default, sync);
        await rig.ReadCallAsync();

        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(RpcStatus.TimedOut, (await Assert.ThrowsAsync<RpcException>(() => plainCall.WaitAsync(TimeSpan.FromSeconds(10), Ct))).Status);
        await rig.ReplyAsync(RpcBytes.Success(first.Xid, XdrBytes.Int(10)));
        Assert.Equal(10, await longCall.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        time.Advance(TimeSpan.FromDays(1));
        Assert.False(endless.IsCompleted);
        await rig.ReplyAsync(RpcBytes.Success(second.Xid, XdrBytes.Int(20)));
        Assert.Equal(20, await endless.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Theory]
    [InlineData("tcp", false)]
    [InlineData("tcp", true)]
    [InlineData("unix", false)]
    [InlineData("unix", true)]
    [InlineData("udp", false)]
    [InlineData("udp", true)]
    public async Task Call_credentials_replace_the_clients_for_that_call_only(string transport, bool sync)
    {
        var time = new FakeTimeProvider();
        await using Rig rig = await Rig.StartAsync(transport, Options(time, TimeSpan.FromSeconds(10)));
        AuthSysCredentials sys = RpcCredentials.Sys(7, "per-call", 1234, 56, [78]);

        Task<int> withSys = CallAsync(rig.Client, 1, new RpcCallOptions(Credentials: sys), sync);
        ReceivedCall first = await rig.ReadCallAsync();
        Assert.Equal(RpcBytes.AuthSys, first.CredentialFlavor);
        Assert.Equal(RpcBytes.AuthSysBody(7, "per-call", 1234, 56, 78), first.CredentialBody);
        await rig.ReplyAsync(RpcBytes.Success(first.Xid, XdrBytes.Int(1)));
        Assert.Equal(1, await withSys.WaitAsync(TimeSpan.FromSeconds(10), Ct));

        Task<int> plain = CallAsync(rig.Client, 2, default, sync);
        ReceivedCall second = await rig.ReadCallAsync();
        Assert.Equal(RpcBytes.AuthNone, second.CredentialFlavor);
        Assert.Empty(second.CredentialBody);
        await rig.ReplyAsync(RpcBytes.Success(second.Xid, XdrBytes.Int(2)));
        Assert.Equal(2, await plain.WaitAsync(TimeSpan.FromSeconds(10), Ct));
    }

    [Fact]
    public async Task A_call_timeout_that_is_neither_positive_nor_infinite_is_refused()
    {
        var time = new FakeTimeProvider();
        await using Rig rig = await Rig.StartAsync("tcp", Options(time, TimeSpan.FromSeconds(10)));
        var zero = new RpcCallOptions(Timeout: TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = rig.Client.CallAsync<XdrInt, XdrInt>(Echo, 1, zero, Ct); });
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Client.Call<XdrInt, XdrInt>(Echo, 1, new RpcCallOptions(Timeout: TimeSpan.FromSeconds(-3)), Ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_imported_client_passes_the_options_to_the_instance_it_calls(bool sync)
    {
        var time = new FakeTimeProvider();
        await using var server = new FakeStreamServer();
        var instance = new RpcInstance("only", Echo.Program, Echo.Version,
            [new RpcInstanceEndpoint(RpcTransportKind.Tcp, server.EndPoint)], RpcInstanceMetadata.Default);
        await using RpcImportedClient client = RpcBinder.Import(new RpcStaticResolver([instance]), Echo.Program, Echo.Version,
            new RpcImportOptions { HealthCheckInterval = Timeout.InfiniteTimeSpan, ClientOptions = Options(time, TimeSpan.FromSeconds(10)) });
        await client.WhenResolvedAsync(Ct);
        AuthSysCredentials sys = RpcCredentials.Sys(1, "imported", 42, 43);

        Task<int> call = CallAsync(client, 5, new RpcCallOptions(Timeout: TimeSpan.FromSeconds(2), Credentials: sys), sync);
        FakePeer peer = await server.AcceptAsync();
        ReceivedCall received = await peer.ReadCallAsync();
        Assert.Equal(RpcBytes.AuthSys, received.CredentialFlavor);
        time.Advance(TimeSpan.FromSeconds(2));
        var e = await Assert.ThrowsAsync<RpcException>(() => call.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(RpcStatus.TimedOut, e.Status);
    }
}
