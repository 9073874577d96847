using System.Net;
using System.Net.Sockets;
using OncRpc.Diagnostics;

namespace OncRpc.Server.Internal;

/// <summary>A listening TCP or Unix stream socket and its accept loop.</summary>
internal sealed class StreamListener
{
    private const int Backlog = 512;
    private readonly RpcServerRuntime _runtime;
    private readonly Socket _socket;
    private readonly string? _unixPath;
    private readonly Action<Socket, RpcTransportKind> _onAccepted;
    private Task _acceptLoop = Task.CompletedTask;

    private StreamListener(RpcServerRuntime runtime, Socket socket, RpcTransportKind transport, string? unixPath, Action<Socket, RpcTransportKind> onAccepted)
    {
        _runtime = runtime;
        _socket = socket;
        Transport = transport;
        _unixPath = unixPath;
        _onAccepted = onAccepted;
        LocalEndPoint = socket.LocalEndPoint!;
    }

    public RpcTransportKind Transport { get; }
    public EndPoint LocalEndPoint { get; }

    public static StreamListener BindTcp(RpcServerRuntime runtime, IPEndPoint endPoint, Action<Socket, RpcTransportKind> onAccepted)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // IPv6 only, so an IPv4 listener on the same port can coexist.
                socket.DualMode = false;
            }
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(endPoint);
            socket.Listen(Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new StreamListener(runtime, socket, RpcTransportKind.Tcp, null, onAccepted);
    }

    /// <summary>A Unix stream socket at <paramref name="path"/>, for <paramref name="transport"/>
    /// <see cref="RpcTransportKind.Local"/> or <see cref="RpcTransportKind.SharedMemory"/> (whose
    /// connections begin on a Unix socket too).</summary>
    public static StreamListener BindUnix(RpcServerRuntime runtime, string path, RpcTransportKind transport, Action<Socket, RpcTransportKind> onAccepted)
    {
        DeleteStaleSocket(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(Backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new StreamListener(runtime, socket, transport, path, onAccepted);
    }

    /// <summary>A socket file left by a server that died is deleted; one somebody still accepts
    /// connections on is not (binding then fails with "address in use").</summary>
    private static void DeleteStaleSocket(string path)
    {
        if (!File.Exists(path))
        {
            return;
        }
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                return; // alive
            }
            catch (SocketException)
            {
            }
        }
        File.Delete(path);
    }

    public void Start(CancellationToken stopping) => _acceptLoop = AcceptLoopAsync(stopping);

    private async Task AcceptLoopAsync(CancellationToken stopping)
    {
        ServerLog.Listening(_runtime.Logger, Transport, LocalEndPoint);
        int delay = 0;
        while (!stopping.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(stopping).ConfigureAwait(false);
                delay = 0;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException e) when (stopping.IsCancellationRequested || e.SocketErrorCode == SocketError.OperationAborted)
            {
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                continue; // the client gave up before we accepted: nothing to back off from
            }
            catch (SocketException e)
            {
                // EMFILE/ENFILE (TooManyOpenSockets), ENOBUFS...: back off rather than spin.
                delay = delay == 0 ? 10 : Math.Min(delay * 2, 1000);
                ServerLog.AcceptFailed(_runtime.Logger, e, LocalEndPoint, delay);
                try
                {
                    await Task.Delay(delay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }
            try
            {
                _onAccepted(accepted, Transport);
            }
            catch (Exception e)
            {
                // Never let one connection's setup end the accept loop.
                ServerLog.AcceptFailed(_runtime.Logger, e, LocalEndPoint, 0);
                accepted.Dispose();
            }
        }
    }

    /// <summary>Stops accepting and closes the listening socket; the connections stay.</summary>
    public Task CloseAsync()
    {
        _socket.Dispose();
        return _acceptLoop;
    }

    /// <summary>Removes the Unix socket file, once the server is stopped.</summary>
    public void DeleteSocketFile()
    {
        if (_unixPath is not null)
        {
            try
            {
                File.Delete(_unixPath);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
