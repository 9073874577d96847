using System.Buffers;
using System.Net;
using System.Net.Sockets;
using OncRpc.Auth;
using OncRpc.Client.Internal;
using OncRpc.Protocol;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client;

/// <summary>One server's answer to a broadcast call.</summary>
public readonly record struct RpcBroadcastReply<TResult>(IPEndPoint Sender, TResult Result);

/// <summary>
/// UDP broadcast calls (clnt_broadcast): one call sent to a broadcast address, every successful
/// reply that arrives within a time window gathered.
/// </summary>
public static class RpcBroadcast
{
    /// <summary>
    /// Sends the call to <paramref name="broadcastAddress"/> (SO_BROADCAST set) and collects, in
    /// arrival order, the senders and results of every successful reply that arrives within
    /// <paramref name="window"/>. The call is sent again (same xid) at 1 s, 2 s, 4 s... while the
    /// window lasts, like libtirpc; a server answering twice counts once. Error replies and
    /// replies that do not decode are skipped. Cancellation throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public static Task<IReadOnlyList<RpcBroadcastReply<TResult>>> CallAsync<TArgs, TResult>(
        IPEndPoint broadcastAddress, RpcProcedureDescriptor procedure, TArgs arguments, TimeSpan window,
        CancellationToken cancellationToken = default)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult> =>
        CallAsync<TArgs, TResult>(broadcastAddress, procedure, arguments, window, RpcCredentials.None, cancellationToken);

    /// <summary>As <see cref="CallAsync{TArgs, TResult}(IPEndPoint, RpcProcedureDescriptor, TArgs, TimeSpan, CancellationToken)"/>,
    /// sending <paramref name="credentials"/> (e.g. AUTH_SYS).</summary>
    public static async Task<IReadOnlyList<RpcBroadcastReply<TResult>>> CallAsync<TArgs, TResult>(
        IPEndPoint broadcastAddress, RpcProcedureDescriptor procedure, TArgs arguments, TimeSpan window,
        RpcCredentials credentials, CancellationToken cancellationToken = default)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult>
    {
        ArgumentNullException.ThrowIfNull(broadcastAddress);
        ArgumentNullException.ThrowIfNull(procedure);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(credentials);
        uint xid = (uint)Random.Shared.Next();
        OpaqueAuth credential = credentials.GetCredential();
        byte[] datagram;
        PooledBufferWriter buffer = CallEncoder.Encode(xid, procedure, credential, credentials, arguments,
            recordMarking: false, maxFragmentSize: int.MaxValue);
        try
        {
            datagram = buffer.WrittenSpan.ToArray();
        }
        finally
        {
            BufferPool.Return(buffer);
        }

        using var socket = new Socket(broadcastAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { EnableBroadcast = true };
        socket.Bind(new IPEndPoint(broadcastAddress.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0));
        using var windowSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        windowSource.CancelAfter(window);
        Task sender = ResendAsync(socket, datagram, broadcastAddress, windowSource.Token);

        var replies = new List<RpcBroadcastReply<TResult>>();
        var seen = new HashSet<IPEndPoint>();
        byte[] receive = new byte[65536];
        EndPoint any = new IPEndPoint(broadcastAddress.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        try
        {
            while (true)
            {
                SocketReceiveFromResult result;
                try
                {
                    result = await socket.ReceiveFromAsync(receive, SocketFlags.None, any, windowSource.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue; // ICMP errors from hosts that do not serve the program
                }
                var from = (IPEndPoint)result.RemoteEndPoint;
                if (TryDecode(new ReadOnlySequence<byte>(receive, 0, result.ReceivedBytes), xid, out TResult? value)
                    && seen.Add(from))
                {
                    replies.Add(new RpcBroadcastReply<TResult>(from, value!));
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The window closed.
        }
        finally
        {
            await sender.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        return replies;
    }

    private static async Task ResendAsync(Socket socket, byte[] datagram, IPEndPoint target, CancellationToken cancellationToken)
    {
        TimeSpan wait = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await socket.SendToAsync(datagram, SocketFlags.None, target, cancellationToken).ConfigureAwait(false);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                return;
            }
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(8).Ticks));
        }
    }

    private static bool TryDecode<TResult>(ReadOnlySequence<byte> message, uint xid, out TResult? result)
        where TResult : IXdrSerializable<TResult>
    {
        result = default;
        try
        {
            var reader = new XdrReader(message);
            RpcMessageHeader header = RpcMessageHeader.ReadFrom(ref reader);
            if (header.Xid != xid || header.Type != RpcMessageType.Reply)
            {
                return false;
            }
            RpcReplyHeader reply = RpcReplyHeader.ReadBody(ref reader, xid);
            if (!reply.IsSuccess)
            {
                return false;
            }
            result = TResult.ReadFrom(ref reader);
            return true;
        }
        catch (XdrException)
        {
            return false;
        }
    }
}
