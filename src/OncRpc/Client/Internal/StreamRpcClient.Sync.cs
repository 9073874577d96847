using OncRpc.Auth;
using OncRpc.Transport.Internal;

namespace OncRpc.Client.Internal;

/// <summary>Synchronous calls: the calling thread sends, then reads the reply itself when no
/// other thread holds the connection's reader role (see ReplyReader).</summary>
internal sealed partial class StreamRpcClient
{
    protected override TResult CallCore<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, OpaqueAuth credential, CallAttempt attempt, CancellationToken cancellationToken)
    {
        StreamConnection connection = GetConnection(cancellationToken);
        bool mayReconnect = true;
        while (true)
        {
            uint xid = attempt.Xid;
            long started = ClientPhases.Timestamp();
            PooledBufferWriter record = BufferPool.Rent();
            connection.Sender.LendOutput(record); // shared memory: encoded straight into the ring when nothing is ahead
            record = CallEncoder.Encode(xid, procedure, credential, attempt.Credentials, arguments,
                recordMarking: true, Options.MaxFragmentSize, into: record);
            TypedPendingCall<TResult> call = NewCall<TResult>(attempt, procedure, credential, started);
            call.MakeSync();
            if (!connection.Pending.TryAdd(call, out RpcException? closed))
            {
                BufferPool.Return(record);
                if (closed is not null && mayReconnect && Options.Reconnect && !_disposed)
                {
                    // Died between the check and the insert: nothing was sent, so connect again.
                    connection = Reconnect(cancellationToken);
                    mayReconnect = false;
                    continue;
                }
                throw (Exception?)closed ?? DuplicateXid(xid);
            }
            call.RegisterCancellation(cancellationToken);
            if (!connection.Sender.Send(record, allowDirect: true, call) && connection.Pending.TryRemove(call))
            {
                call.Fail(new RpcException(RpcStatus.ConnectionLost, $"the connection to {_endPoint} closed before the call was sent"));
            }
            connection.Reader.WaitForReply(call);
            return call.GetResultSync();
        }
    }

    /// <summary>The blocking twin of <see cref="ConnectAsync"/>: an imported client's synchronous
    /// calls connect with it, so a refused connection is known to have sent nothing.</summary>
    public static StreamRpcClient Connect(
        System.Net.EndPoint endPoint, RpcTransportKind kind, RpcClientOptions options, CancellationToken cancellationToken)
    {
        var client = new StreamRpcClient(endPoint, kind, options);
        client.GetConnection(cancellationToken);
        return client;
    }

    private StreamConnection GetConnection(CancellationToken cancellationToken)
    {
        StreamConnection? connection = _connection;
        return connection is { IsClosed: false } && !_disposed && !connection.ProbeClosedWhileIdle()
            ? connection
            : Reconnect(cancellationToken);
    }

    /// <summary>The blocking counterpart of <see cref="ReconnectAsync"/>.</summary>
    private StreamConnection Reconnect(CancellationToken cancellationToken)
    {
        _connectGate.Wait(cancellationToken);
        try
        {
            if (OpenOrLost(out StreamConnection? lost) is { } open)
            {
                return open;
            }
            if (lost is not null)
            {
                // Closed already: disposing it only waits for its loops to notice, which need not
                // hold up this call.
                _ = DisposeQuietlyAsync(lost);
            }
            return Adopt(Open(cancellationToken));
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private static async Task DisposeQuietlyAsync(StreamConnection connection)
    {
        try
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Its calls have failed already; nobody is left to tell.
        }
    }
}
