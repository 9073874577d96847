using OncRpc.Client;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Interop.Tests.Programs;
using OncRpc.Xdr;

namespace OncRpc.Interop.Tests.DotNet;

/// <summary><see cref="RpcClient.Call{TArgs, TResult}(RpcProcedureDescriptor, TArgs, CancellationToken)"/> (the blocking call whose thread reads its own reply)
/// against the libtirpc interop server, over TCP and UDP.</summary>
public sealed class SyncClientToCServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task Sync_calls_echo_and_fail_as_the_C_server_says(string transport)
    {
        var peers = CPeers.Get();
        await using var server = await peers.StartServerAsync(peers.InteropServer, transport, cancellationToken: Ct);
        var options = new RpcClientOptions { Timeout = TimeSpan.FromSeconds(10) };
        await using RpcClient client = transport == "tcp"
            ? await RpcClient.ConnectTcpAsync(server.TcpEndPoint, options, Ct)
            : RpcClient.CreateUdp(server.UdpEndPoint, options);

        await Task.Factory.StartNew(() =>
        {
            client.Call<XdrVoid, XdrVoid>(InteropProgram.Null, default, Ct);
            for (int i = -50; i < 50; i++)
            {
                Assert.Equal(i * 7919, client.Call<XdrInt, XdrInt>(InteropProgram.EchoInt, i * 7919, Ct).Value);
            }
            byte[] bytes = Enumerable.Range(0, transport == "tcp" ? 300_000 : 8000).Select(i => (byte)(i * 31)).ToArray();
            Assert.Equal(bytes, client.Call<XdrOpaque, XdrOpaque>(InteropProgram.EchoBytes, new XdrOpaque(bytes), Ct).Value.ToArray());
            var e = Assert.Throws<RpcException>(() => client.Call<XdrVoid, XdrVoid>(InteropProgram.UnknownProcedure, default, Ct));
            Assert.Equal(RpcStatus.ProcedureUnavailable, e.Status);
            var mismatch = Assert.Throws<RpcException>(() => client.Call<XdrVoid, XdrVoid>(InteropProgram.NullV3, default, Ct));
            Assert.Equal((RpcStatus.ProgramMismatch, 1u, 2u), (mismatch.Status, mismatch.Low, mismatch.High));
        }, Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // Async calls interleave with the sync ones on the same client.
        Assert.Equal(5, (await client.CallAsync<XdrInt, XdrInt>(InteropProgram.EchoInt, 5, Ct)).Value);
    }
}
