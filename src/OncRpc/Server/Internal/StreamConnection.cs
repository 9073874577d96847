using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Net.Sockets;
using OncRpc.Diagnostics;
using OncRpc.Transport;
using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// One accepted TCP or Unix stream connection: a read loop reassembling records
/// (<see cref="RecordDecoder"/> over a <see cref="PipeReader"/>), calls run concurrently up to
/// the per-connection limit (at the limit the loop stops reading: backpressure, no queue), and one
/// writer (a lock around a whole-record send) so replies never interleave.
/// </summary>
internal sealed partial class StreamConnection : ServerConnection
{
    private PipeReader _reader; // read loop only; replaced once, by the one over TLS
    private SslStream? _tls;    // set by the read loop once, after the handshake
    private X509Certificate2? _clientCertificate;
    private readonly SemaphoreSlim _callSlots;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _reading = new(); // fires when a graceful stop begins
    private readonly CancellationToken _readingToken;
    private readonly PooledBufferWriter _batch = new(4 * 1024); // replies of the current read; read loop only
    private RecordTiming _recordTiming; // read loop only
    private volatile bool _waitingForSlot; // the read loop waits for a call slot (tests observe it)

    public StreamConnection(RpcServerRuntime runtime, Socket socket, RpcTransportKind transport, Action<ServerConnection> onClosed)
        : base(runtime, socket, transport, onClosed)
    {
        // Zero-byte reads: an idle connection waits without holding a buffer; the 64 KiB one is
        // rented when data arrives (1,000 idle connections: GC heap +70 MiB -> +7.5 MiB).
        _reader = PipeReader.Create(new NetworkStream(socket, ownsSocket: false), ReaderOptions);
        _callSlots = new SemaphoreSlim(runtime.Options.MaxConcurrentCallsPerConnection, runtime.Options.MaxConcurrentCallsPerConnection);
        _readingToken = _reading.Token;
    }

    private static readonly StreamPipeReaderOptions ReaderOptions =
        new(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true, useZeroByteReads: true);

    private Task _completion = Task.CompletedTask;

    public override bool IsTls => Volatile.Read(ref _tls) is not null;

    public override X509Certificate2? ClientCertificate => Volatile.Read(ref _tls) is null ? null : _clientCertificate;

    /// <summary>
    /// RFC 9289 §4.1: the probe was answered STARTTLS (the reply is out), so the next bytes are
    /// the client's TLS handshake. The plain reader is retired (nothing may follow the probe
    /// before the handshake: the client waits for the reply), SslStream takes over the socket
    /// and a reader over it continues the same loop. One way: the connection stays in this
    /// engine (epoll loops cannot drive SslStream) and never goes back to plain text.
    /// Returns why the connection must close, or null.
    /// </summary>
    private async Task<string?> StartTlsAsync()
    {
        await _reader.CompleteAsync().ConfigureAwait(false);
        var stream = new SslStream(new NetworkStream(_socket, ownsSocket: false), leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_callsToken);
        timeout.CancelAfter(_runtime.Options.Tls!.HandshakeTimeout);
        try
        {
            await stream.AuthenticateAsServerAsync(_runtime.TlsOptions!, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            ServerLog.TlsHandshakeFailed(_runtime.Logger, e, RemoteEndPoint);
            await stream.DisposeAsync().ConfigureAwait(false);
            return "TLS handshake failed: " + e.Message;
        }
        _clientCertificate = TlsNegotiation.Certificate2(stream.RemoteCertificate);
        _reader = PipeReader.Create(stream, ReaderOptions);
        Volatile.Write(ref _tls, stream); // after the certificate: a call reading IsTls sees it
        return null;
    }

    public override Task Completion => _completion;

    internal override bool PausedAtCallLimit => _waitingForSlot;

    public override void Start() => _completion = RunAsync();

    public override void StopReading()
    {
        try
        {
            _reading.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public override void Abort()
    {
        if (MarkClosed())
        {
            _socket.Dispose();
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield(); // leave the accept loop at once
        string reason;
        try
        {
            reason = await ReadLoopAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            reason = "read loop failed: " + e.Message;
        }
        await CloseAfterReadingAsync(reason, graceful: _readingToken.IsCancellationRequested && !ClosingStarted).ConfigureAwait(false);
        await _reader.CompleteAsync().ConfigureAwait(false);
        _tls?.Dispose();
        _decoder.Dispose();
        _batch.Dispose();
        _calls.Dispose();
        _reading.Dispose();
        _onClosed(this);
    }
}
