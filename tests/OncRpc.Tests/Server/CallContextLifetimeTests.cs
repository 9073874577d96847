using System.Net;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Tests.Server;

/// <summary>The call context is a handle on state the server reuses: once its call ended it
/// throws rather than show a later call's peer or credentials; and the ambient
/// <see cref="RpcCallContext.Current"/> follows the same lifetime.</summary>
public sealed class CallContextLifetimeTests
{
    private static readonly RpcProcedureDescriptor s_uid = new(0x2000_0300, 1, 1);
    private static readonly RpcProcedureDescriptor s_flow = new(0x2000_0300, 1, 2);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RpcClientOptions As(uint uid) =>
        new() { Credentials = RpcCredentials.Sys(1, "box", uid, 100, useShortHandles: false) };

    /// <summary>A server (one runtime, one pool of calls for every connection) whose procedure
    /// answers the caller's uid and keeps the context of uid 1000's first call.</summary>
    private sealed class LeakyServer : IAsyncDisposable
    {
        private readonly RpcServer _server = new(new RpcServerOptions { EventLoopThreads = 1 });

        public RpcCallContext? Leaked;

        public static async Task<LeakyServer> StartAsync()
        {
            var leaky = new LeakyServer();
            leaky._server.Dispatcher.Register<XdrVoid, XdrUInt>(s_uid, (_, context) =>
            {
                if (context.UnixCredential!.Uid == 1000)
                {
                    leaky.Leaked ??= context; // the mistake: kept past the call
                }
                return new ValueTask<XdrUInt>(context.UnixCredential!.Uid);
            });
            leaky._server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
            await leaky._server.StartAsync(Ct);
            return leaky;
        }

        public Task<RpcClient> ConnectAsync(uint uid) => RpcClient.ConnectTcpAsync(_server.EndPoints[0].EndPoint, As(uid), Ct);

        public ValueTask DisposeAsync() => _server.DisposeAsync();
    }

    [Fact]
    public async Task A_leaked_context_throws_after_its_call_instead_of_showing_the_next_callers()
    {
        await using LeakyServer server = await LeakyServer.StartAsync();
        await using RpcClient ada = await server.ConnectAsync(1000);
        await using RpcClient bob = await server.ConnectAsync(2000);
        Assert.Equal(1000u, (await ada.CallAsync<XdrVoid, XdrUInt>(s_uid, default, Ct)).Value);
        RpcCallContext kept = server.Leaked!.Value;

        // The next call (another caller, served by the pooled call the first one used) ...
        Assert.Equal(2000u, (await bob.CallAsync<XdrVoid, XdrUInt>(s_uid, default, Ct)).Value);

        // ... is not what the kept context shows: it shows nothing.
        Assert.False(kept.IsActive);
        Assert.Throws<ObjectDisposedException>(() => kept.UnixCredential);
        Assert.Throws<ObjectDisposedException>(() => kept.Xid);
        Assert.Throws<ObjectDisposedException>(() => kept.RemoteEndPoint);
        Assert.Throws<ObjectDisposedException>(() => kept.Credential);
        Assert.Throws<ObjectDisposedException>(() => kept.Principal);
        Assert.Throws<ObjectDisposedException>(() => kept.CancellationToken);
        Assert.Throws<ObjectDisposedException>(() => kept.Procedure);
        Assert.Throws<ObjectDisposedException>(() => kept.Transport);
    }

    [Fact]
    public async Task Reads_of_a_leaked_context_while_other_callers_are_served_all_throw()
    {
        await using LeakyServer server = await LeakyServer.StartAsync();
        await using RpcClient ada = await server.ConnectAsync(1000);
        await using RpcClient bob = await server.ConnectAsync(2000);
        await ada.CallAsync<XdrVoid, XdrUInt>(s_uid, default, Ct);
        RpcCallContext kept = server.Leaked!.Value;
        using var stop = new CancellationTokenSource();
        int served = 0;
        Task others = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.Equal(2000u, (await bob.CallAsync<XdrVoid, XdrUInt>(s_uid, default, Ct)).Value);
                Interlocked.Increment(ref served);
            }
        }, Ct);
        // Every read throws while the pooled state is refilled for bob's calls: none shows uid 2000.
        while (Volatile.Read(ref served) < 200 && !others.IsCompleted)
        {
            Assert.Throws<ObjectDisposedException>(() => kept.UnixCredential);
        }
        await stop.CancelAsync();
        await others;
    }

    [Fact]
    public void A_context_built_for_a_test_is_always_valid_and_a_default_one_is_not_a_context()
    {
        var context = new RpcCallContext
        {
            Xid = 5,
            Procedure = s_uid,
            Transport = RpcTransportKind.Tcp,
            Credential = OpaqueAuth.None,
            RemoteEndPoint = new IPEndPoint(IPAddress.Loopback, 1),
            Principal = "p",
        };
        Assert.True(context.IsActive);
        Assert.Equal((5u, "p"), (context.Xid, context.Principal));
        Assert.False(default(RpcCallContext).IsActive);
        Assert.Throws<InvalidOperationException>(() => default(RpcCallContext).Xid);
    }

    [Fact]
    public async Task Current_flows_through_awaits_inside_its_scope_and_ends_with_the_call()
    {
        Assert.Null(RpcCallContext.Current);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<RpcCallContext?>? background = null;
        var dispatcher = new RpcDispatcher().Register<XdrVoid, XdrUInt>(s_flow, async (_, context) =>
        {
            Assert.Null(RpcCallContext.Current); // not set for handlers that take the context as a parameter
            using (context.MakeCurrent())
            {
                await Task.Yield();
                // Work started in the scope sees it; it outlives the call here, by mistake.
                background = Task.Run(async () =>
                {
                    await release.Task;
                    return RpcCallContext.Current;
                });
                return RpcCallContext.Current!.Value.Xid;
            }
        });
        await using RpcClient client = RpcClient.CreateInProcess(dispatcher);
        byte[] call = new RpcCallHeaderBytes(0x1234, s_flow).Bytes;
        ReadOnlyMemory<byte> reply = await client.CallRawAsync(call, Ct);
        Assert.Equal(0x1234u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(reply.Span[^4..]));
        release.SetResult();
        Assert.Null(await background!); // the call ended: no context, rather than a dead one
        Assert.Null(RpcCallContext.Current);
    }

    /// <summary>An AUTH_NONE call message with no arguments.</summary>
    private readonly record struct RpcCallHeaderBytes(uint Xid, RpcProcedureDescriptor Procedure)
    {
        public byte[] Bytes => Support.RpcBytes.CallMessage(Xid, Procedure.Program, Procedure.Version, Procedure.Procedure);
    }
}
