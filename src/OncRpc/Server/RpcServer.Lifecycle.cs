using System.Net;
using OncRpc.Binding;
using OncRpc.Diagnostics;
using OncRpc.Server.Internal;

namespace OncRpc.Server;

public sealed partial class RpcServer
{
    /// <summary>
    /// Binds every declared end point and starts serving, then exports its instances through
    /// every exporter of <see cref="RpcServerOptions.Exporters"/> (rpcbind, etcd...). If an end
    /// point cannot be bound, those already bound are closed and the
    /// <see cref="System.Net.Sockets.SocketException"/> propagates; if a registry cannot be
    /// reached the exports made are withdrawn, the server is stopped and the
    /// <see cref="RpcException"/> propagates. Throws
    /// <see cref="InvalidOperationException"/> when already started or without end points.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        StartListening(cancellationToken);
        if (_options.Exporters.Count > 0)
        {
            try
            {
                await ExportAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
                throw;
            }
        }
    }

    private void StartListening(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_state != State.Created)
            {
                throw new InvalidOperationException("the server was already started");
            }
            if (_requested.Count == 0)
            {
                throw new InvalidOperationException("no end point: call ListenTcp, ListenUdp, ListenUnix or ListenSharedMemory first");
            }
            _options.Validate();
            _runtime = new RpcServerRuntime(_options, Dispatcher, _logger);
            if (_runtime.DuplicateRequests is null)
            {
                foreach (RpcProcedureEntry entry in Dispatcher.Entries())
                {
                    if (entry.Semantics == RpcCallSemantics.AtMostOnce)
                    {
                        ServerLog.AtMostOnceWithoutCache(_logger, LogNames.Procedure(entry.Descriptor), LogNames.Program(entry.Descriptor), LogNames.Version(entry.Descriptor));
                    }
                }
            }
            if (_options.EventLoopThreads > 0 && Transport.Internal.Libc.IsSupported)
            {
                _loops = new EpollLoopGroup(_options.EventLoopThreads, _logger);
            }
            var bound = new List<RpcInstanceEndpoint>(_requested.Count);
            try
            {
                foreach ((RpcTransportKind transport, EndPoint endPoint) in _requested)
                {
                    switch (transport)
                    {
                        case RpcTransportKind.Udp:
                            System.Net.Sockets.Socket socket = IUdpEndPoint.Bind((IPEndPoint)endPoint);
                            IUdpEndPoint udp = _loops is { } loops
                                ? new EpollUdpListener(_runtime, loops.Next(), socket)
                                : new UdpListener(_runtime, socket);
                            _udpListeners.Add(udp);
                            bound.Add(new RpcInstanceEndpoint(transport, udp.LocalEndPoint));
                            break;
                        case RpcTransportKind.Tcp:
                            StreamListener tcp = StreamListener.BindTcp(_runtime, (IPEndPoint)endPoint, OnAccepted);
                            _streamListeners.Add(tcp);
                            bound.Add(new RpcInstanceEndpoint(transport, tcp.LocalEndPoint));
                            break;
                        default:
                            // Local, and SharedMemory, whose connections begin on a Unix socket.
                            string path = endPoint.ToString()!;
                            StreamListener unix = StreamListener.BindUnix(_runtime, path, transport, OnAccepted);
                            _streamListeners.Add(unix);
                            bound.Add(new RpcInstanceEndpoint(transport, unix.LocalEndPoint));
                            break;
                    }
                }
            }
            catch
            {
                CloseListeners();
                _loops?.Dispose();
                _loops = null;
                _runtime.Dispose();
                _runtime = null;
                throw;
            }
            _endPoints = bound;
            _state = State.Started;
            foreach (StreamListener listener in _streamListeners)
            {
                listener.Start(_listening.Token);
            }
            foreach (IUdpEndPoint listener in _udpListeners)
            {
                listener.Start(_listening.Token);
            }
            if (_options.IdleTimeout != Timeout.InfiniteTimeSpan)
            {
                var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.IdleTimeout.TotalMilliseconds / 4, 20, 1000));
                _idleTimer = _options.TimeProvider.CreateTimer(CheckIdleConnections, null, period, period);
            }
        }
    }

    /// <summary>
    /// Stops gracefully: stops accepting connections and datagrams and reading new calls, lets
    /// the calls in flight finish and sends their replies, then closes everything. When
    /// <paramref name="cancellationToken"/> fires first, the stop turns hard: the remaining calls'
    /// tokens fire and connections close at once (no exception is thrown). Calling it again,
    /// or before starting, does nothing. The exports made at start are withdrawn first,
    /// while the server still answers, so no client is sent to a closed port.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await WithdrawAsync().ConfigureAwait(false);
        ServerConnection[] connections;
        lock (_gate)
        {
            if (_state != State.Started)
            {
                return;
            }
            _state = State.Stopping;
            connections = [.. _connections];
        }
        RpcServerRuntime runtime = _runtime!;
        _idleTimer?.Dispose();
        _listening.Cancel();

        var pending = new List<Task>(connections.Length + _streamListeners.Count + _udpListeners.Count);
        foreach (StreamListener listener in _streamListeners)
        {
            pending.Add(listener.CloseAsync());
        }
        foreach (ServerConnection connection in connections)
        {
            connection.StopReading();
            pending.Add(connection.Completion);
        }
        foreach (IUdpEndPoint listener in _udpListeners)
        {
            pending.Add(listener.DrainAsync());
        }

        bool hardFromTheStart = cancellationToken.IsCancellationRequested;
        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (!hardFromTheStart)
            {
                ServerLog.StopForced(_logger);
            }
            runtime.AbortCalls();
            foreach (ServerConnection connection in connections)
            {
                connection.Abort();
            }
        }

        foreach (IUdpEndPoint listener in _udpListeners)
        {
            listener.Close();
        }
        foreach (StreamListener listener in _streamListeners)
        {
            listener.DeleteSocketFile();
        }
        // Handlers that ignored a forced stop may still finish later: their replies find the
        // loops gone and are dropped.
        _loops?.Dispose();
        lock (_gate)
        {
            _state = State.Stopped;
        }
    }

    /// <summary>Stops at once (a hard stop: calls in flight are cancelled) and releases
    /// everything. Use <see cref="StopAsync"/> first for a graceful stop.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        lock (_gate)
        {
            if (_state == State.Created)
            {
                _state = State.Stopped;
            }
        }
        _listening.Dispose();
        // The runtime (its abort token source and pooled calls) is left to the GC: handlers that
        // ignore cancellation may still be running and touch it.
    }

    private void CloseListeners()
    {
        foreach (StreamListener listener in _streamListeners)
        {
            _ = listener.CloseAsync();
            listener.DeleteSocketFile();
        }
        foreach (IUdpEndPoint listener in _udpListeners)
        {
            listener.Close();
        }
        _streamListeners.Clear();
        _udpListeners.Clear();
    }
}
