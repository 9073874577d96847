using System.Net.Sockets;

namespace OncRpc.Testing.Faults;

/// <summary>
/// One client connection through a <see cref="TcpFaultProxy"/> and its own connection to the
/// server: a pump per direction, each cut after its drawn byte budget and held by its direction's
/// partition gate. A half-close (EOF) is passed on; anything else (a cut, a reset, the proxy
/// closing) closes both sockets.
/// </summary>
internal sealed class TcpProxyConnection
{
    private readonly TcpFaultProxy _owner;
    private readonly Socket _client;
    private readonly TcpCutPlan _plan;
    private readonly CancellationTokenSource _stop;
    private readonly Lock _lock = new();
    private Socket? _server;
    private bool _closed;

    public TcpProxyConnection(TcpFaultProxy owner, Socket client, TcpCutPlan plan, CancellationToken proxyStopping)
    {
        _owner = owner;
        _client = client;
        _plan = plan;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(proxyStopping);
    }

    public TcpCutPlan Plan => _plan;

    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = RunAsync();

    private async Task RunAsync()
    {
        try
        {
            var server = await ConnectAsync().ConfigureAwait(false);
            if (server is null)
            {
                _owner.CountRejected();
                return;
            }
            lock (_lock)
            {
                if (_closed)
                {
                    Shut(server); // cut (or the proxy stopped) while connecting
                    return;
                }
                _server = server;
            }
            var up = PumpAsync(_client, server, FaultDirection.Requests, _plan.RequestBytes);
            var down = PumpAsync(server, _client, FaultDirection.Replies, _plan.ReplyBytes);
            if (!await await Task.WhenAny(up, down).ConfigureAwait(false))
            {
                Abort(); // a cut or a failure on one side ends the other too
            }
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        finally
        {
            Abort();
            _stop.Dispose();
            _owner.ConnectionEnded(this);
        }
    }

    private async Task<Socket?> ConnectAsync()
    {
        var server = _owner.OpenSocket();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(_owner.Options.ConnectTimeout);
        try
        {
            server.NoDelay = true;
            await server.ConnectAsync(_owner.Target, timeout.Token).ConfigureAwait(false);
            return server;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            _owner.CloseSocket(server);
            return null;
        }
    }

    /// <summary>Forwards one direction; true when it ended with the source's EOF (passed on as a
    /// half-close), false on a cut, an error or the proxy stopping.</summary>
    private async Task<bool> PumpAsync(Socket from, Socket to, FaultDirection direction, long? budget)
    {
        var buffer = new byte[_owner.Options.BufferSize];
        var gate = _owner.Gate(direction);
        var token = _stop.Token;
        long forwarded = 0;
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None, token).ConfigureAwait(false);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return true;
                }
                await gate.WaitOpenAsync(token).ConfigureAwait(false);
                int take = n;
                bool cut = false;
                if (budget is { } limit && forwarded + n >= limit)
                {
                    if (_owner.TryTakeCut())
                    {
                        take = (int)(limit - forwarded);
                        cut = true;
                    }
                    else
                    {
                        budget = null; // MaxCuts reached: this connection lives on
                    }
                }
                if (take > 0)
                {
                    await SendAllAsync(to, buffer.AsMemory(0, take), token).ConfigureAwait(false);
                    forwarded += take;
                    _owner.CountForwarded(direction, take);
                }
                if (cut)
                {
                    Cut();
                    return false;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            int sent = await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Cuts the connection: both sockets closed (what was forwarded before is delivered
    /// ahead of the FIN). Counted once.</summary>
    public void Cut() => Close(countAsCut: true);

    /// <summary>Closes both sockets without counting a cut (the proxy closing, or a side that
    /// failed).</summary>
    public void Abort() => Close(countAsCut: false);

    private void Close(bool countAsCut)
    {
        Socket? server;
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            server = _server;
            if (countAsCut)
            {
                _owner.CountCut(); // before the sockets close, so whoever sees the close sees the count
            }
        }
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // RunAsync has finished; nothing left to stop.
        }
        Shut(_client);
        if (server is not null)
        {
            Shut(server);
        }
        _owner.ConnectionClosed();
    }

    private void Shut(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed by the peer.
        }
        _owner.CloseSocket(socket);
    }
}
