using System.Net;
using OncRpc.Server.Internal;

namespace OncRpc.Tests.Support;

/// <summary>
/// A call site that carries one call through a server runtime's <see cref="CallLifecycle"/> in
/// memory, as a connection or UDP end point would, and hands back the reply (without record
/// mark), or null when the call ended without one. A site per call: two calls with the same
/// <c>remote</c> are one client on two connections, as after a reconnect.
/// </summary>
internal sealed class OneCallSite : ICallSite
{
    private readonly TaskCompletionSource<byte[]?> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RpcTransportKind _transport;
    private byte[]? _reply;

    private OneCallSite(RpcTransportKind transport) => _transport = transport;

    public InFlightTracker InFlight { get; } = new();

    /// <summary>Runs <paramref name="message"/> (an rpc_msg, no record mark); completes when the
    /// call has ended, with its reply.</summary>
    public static Task<byte[]?> RunAsync(RpcServerRuntime runtime, byte[] message, RpcTransportKind transport = RpcTransportKind.Tcp,
        EndPoint? remote = null, CancellationToken cancellationToken = default)
    {
        var site = new OneCallSite(transport);
        remote ??= new IPEndPoint(IPAddress.Loopback, 40000);
        int prefix = transport == RpcTransportKind.Udp ? 0 : 4;
        RpcCall call = runtime.Calls.Begin(site, transport, prefix, cancellationToken, remote, OncRpc.Diagnostics.Internal.ServerPhases.Timestamp());
        call.SetRequest(message);
        if (runtime.Calls.Run(call))
        {
            if (call.HasReply)
            {
                site.Capture(call);
            }
            runtime.Calls.End(call);
        }
        return site._ended.Task;
    }

    public ValueTask SendLateReplyAsync(RpcCall call)
    {
        Capture(call);
        return ValueTask.CompletedTask;
    }

    public void OnCallEnded() => _ended.TrySetResult(_reply);

    private void Capture(RpcCall call) =>
        _reply = (_transport == RpcTransportKind.Udp ? call.FinishDatagram() : call.FinishStreamRecord()[4..]).ToArray();
}
