using System.Net;
using System.Net.Sockets;
using OncRpc.Diagnostics;
using OncRpc.Transport;

namespace OncRpc.Server.Internal;

/// <summary>
/// An accepted stream connection, as the server manages it, whichever I/O model serves it
/// (<see cref="EpollStreamConnection"/> on Linux, <see cref="StreamConnection"/> elsewhere): what
/// both share is here (the calls' token, the calls in flight, the idle and stuck-send checks); how
/// bytes are read and written is theirs.
/// </summary>
internal abstract partial class ServerConnection : ICallSite
{
    /// <summary>Replies gathered for one send at most (larger replies go out on their own).</summary>
    private protected const int BatchLimit = 64 * 1024;

    private protected readonly RpcServerRuntime _runtime;
    private protected readonly Socket _socket;
    private protected readonly RpcTransportKind _transport;
    private protected readonly Action<ServerConnection> _onClosed;
    private protected readonly RecordDecoder _decoder;
    private protected readonly CancellationTokenSource _calls;  // fires when the connection closes or a stop is forced
    private protected readonly CancellationToken _callsToken;
    private protected readonly InFlightTracker _inFlight = new();
    private protected long _lastActivity;
    private protected long _sendStarted;  // _runtime.NowMs while a reply waits for the socket, else 0
    private protected int _closed;

    private protected ServerConnection(RpcServerRuntime runtime, Socket socket, RpcTransportKind transport, Action<ServerConnection> onClosed)
    {
        _runtime = runtime;
        _socket = socket;
        _transport = transport;
        _onClosed = onClosed;
        try
        {
            RemoteEndPoint = socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
        }
        _decoder = new RecordDecoder(runtime.Options.MaxRecordSize);
        _calls = CancellationTokenSource.CreateLinkedTokenSource(runtime.AbortToken);
        _callsToken = _calls.Token;
        _lastActivity = _runtime.NowMs;
    }

    public EndPoint? RemoteEndPoint { get; }

    public InFlightTracker InFlight => _inFlight;

    /// <summary>True once the connection runs over TLS (RFC 9289; socket engine only).</summary>
    public virtual bool IsTls => false;

    /// <summary>The client's verified certificate, over mutual TLS.</summary>
    public virtual System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate => null;

    /// <summary>The reply of a call whose handler went asynchronous: sent on its own, as one
    /// record (<see cref="SendRecordAsync"/>), unless closing began (it has nowhere to go).</summary>
    public ValueTask SendLateReplyAsync(RpcCall call) =>
        ClosingStarted || _callsToken.IsCancellationRequested ? ValueTask.CompletedTask : SendRecordAsync(call.FinishStreamRecord());

    /// <summary>For tests: reading is held back because the calls in flight are at the
    /// per-connection limit (the next call waits, unread or unrun, for a slot).</summary>
    internal abstract bool PausedAtCallLimit { get; }

    public abstract void OnCallEnded();

    /// <summary>Completes when the connection is closed and its calls have finished.</summary>
    public abstract Task Completion { get; }

    public abstract void Start();

    /// <summary>Graceful stop: read no more calls; those in flight finish and are answered,
    /// then the connection closes.</summary>
    public abstract void StopReading();

    /// <summary>Closes the connection now: the calls' tokens fire, the socket closes.</summary>
    public abstract void Abort();

    /// <summary>Called periodically: closes a connection idle (nothing received, no call in
    /// flight) or with a reply stuck in the socket for longer than the idle timeout.</summary>
    public void CheckIdle(long now, long idleMilliseconds)
    {
        long sendStarted = Volatile.Read(ref _sendStarted);
        bool stuck = sendStarted != 0 && now - sendStarted > idleMilliseconds;
        bool idle = _inFlight.Count == 0 && !HasBackchannelCalls
            && now - Math.Max(Volatile.Read(ref _lastActivity), _inFlight.LastEndedTicks) > idleMilliseconds;
        if (stuck || idle)
        {
            ServerLog.ConnectionIdle(_runtime.Logger, RemoteEndPoint, TimeSpan.FromMilliseconds(idleMilliseconds));
            Abort();
        }
    }

    /// <summary>True from the moment closing began (<see cref="MarkClosed"/>), before the calls'
    /// token fires: a late reply then has nowhere to go. A handler awaiting a backchannel call may
    /// finish inside <see cref="MarkClosed"/> (its call failed with ConnectionLost), so checking the
    /// token alone would send its answer to a connection being closed.</summary>
    private protected bool ClosingStarted => Volatile.Read(ref _closed) != 0;

    /// <summary>The first step of <see cref="Abort"/>: marks the connection closed and fires the
    /// calls' token. False when it was closed already (the caller then does nothing more).</summary>
    private protected bool MarkClosed()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return false;
        }
        // Before the calls' token: a handler awaiting a backchannel call learns the connection
        // is gone (ConnectionLost), not merely that it was cancelled.
        CloseBackchannel("the connection closed");
        try
        {
            _calls.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        return true;
    }

    /// <summary>Once a connection that reads on its own task or thread stopped reading: a
    /// graceful stop (<paramref name="graceful"/>) answers what is in flight (a forced stop
    /// cancels the calls) and then closes; otherwise (the peer left, broke the protocol, or idled:
    /// nobody will read the replies) it closes first and then waits for the calls to end.</summary>
    private protected async Task CloseAfterReadingAsync(string reason, bool graceful)
    {
        CloseBackchannel("the server stopped reading the connection (" + reason + ")");
        if (graceful)
        {
            await _inFlight.WaitForDrainAsync().ConfigureAwait(false);
            Abort();
        }
        else
        {
            Abort();
            await _inFlight.WaitForDrainAsync().ConfigureAwait(false);
        }
        ServerLog.ConnectionClosed(_runtime.Logger, RemoteEndPoint, reason);
    }
}
