using System.Net;
using System.Net.Sockets;

namespace OncRpc.Testing.Faults;

/// <summary>
/// One client of a <see cref="UdpFaultProxy"/>: its own socket toward the server (connected, so
/// it hears only the server), through which the server's replies find their way back to this
/// client's address, and one <see cref="UdpLane"/> per direction.
/// </summary>
internal sealed class UdpSession : IDisposable
{
    private readonly Socket _serverSocket;
    private Task _replyLoop = Task.CompletedTask;

    public UdpSession(int index, EndPoint client, Socket serverSocket, UdpLane requests, UdpLane replies)
    {
        Index = index;
        Client = client;
        _serverSocket = serverSocket;
        Requests = requests;
        Replies = replies;
    }

    public int Index { get; }

    public EndPoint Client { get; }

    public UdpLane Requests { get; }

    public UdpLane Replies { get; }

    public Task ReplyLoop => _replyLoop;

    public void Start(CancellationToken cancellationToken) => _replyLoop = ReceiveRepliesAsync(cancellationToken);

    private async Task ReceiveRepliesAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[UdpFaultProxy.MaxDatagram];
        while (!cancellationToken.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await _serverSocket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused or SocketError.ConnectionReset)
            {
                // An ICMP port unreachable from a server that is not (yet, or any more) listening:
                // a restarted server must still be reachable through the same session.
                continue;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            Replies.Process(buffer.AsSpan(0, n));
        }
    }

    public void Dispose() => _serverSocket.Dispose();
}
