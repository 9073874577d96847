using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace OncRpc.Transport.Internal;

/// <summary>
/// The bytes of one client stream connection: a plain socket or TLS over it (RFC 9289). The
/// record sender and reply reader go through this one seam, one virtual call per record written
/// or per receive, so TLS is not written twice and the plain path keeps its system calls.
/// <para>A plain socket can be read by a synchronous caller directly (poll, then recv:
/// <see cref="ReadsDirectly"/>); TLS cannot (the decrypted bytes live inside SslStream, which a
/// socket poll does not see), so over TLS the async pump reads and a blocking caller waits for
/// its outcome.</para>
/// </summary>
internal abstract class ByteChannel : IDisposable
{
    protected ByteChannel(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>True when a synchronous reader may poll and receive on <see cref="Socket"/>.</summary>
    public abstract bool ReadsDirectly { get; }

    /// <summary>True when the channel's bytes arrive on <see cref="Socket"/> itself, so the
    /// client's event loop can wait for them with epoll (a plain socket). Shared memory's socket
    /// only watches for the peer's death, and TLS's bytes are read through SslStream: both are
    /// read by their async pump.</summary>
    public virtual bool ReadableByEpoll => false;

    /// <summary>True once the channel knows the peer is gone without reading (shared memory
    /// watches its socket for that); a socket learns it only by reading.</summary>
    public virtual bool PeerGone => false;

    /// <summary>The peer's certificate, over TLS.</summary>
    public virtual X509Certificate2? RemoteCertificate => null;

    /// <summary>Writes all of <paramref name="data"/>, blocking; returns the writes made.</summary>
    public abstract int Send(ReadOnlySpan<byte> data);

    /// <summary>Writes all of <paramref name="data"/>; returns the writes made.</summary>
    public abstract ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>A synchronous reader's receive (only where <see cref="ReadsDirectly"/>): waits up
    /// to <paramref name="waitMs"/> for bytes and returns what is there; 0 with
    /// <see cref="SocketError.Success"/> at end of stream, 0 with
    /// <see cref="SocketError.TimedOut"/> or <see cref="SocketError.WouldBlock"/> when nothing came.
    /// <paramref name="asyncMode"/>: the socket has seen an async operation (see
    /// StreamConnection.IsAsyncMode).</summary>
    public virtual int Receive(Span<byte> buffer, int waitMs, bool asyncMode, out SocketError status) =>
        throw new NotSupportedException("this channel is read by its async pump only");

    /// <summary>True when a synchronous reader may look at the received bytes where they lie
    /// (<see cref="ReceiveInPlace"/>: shared memory) instead of copying them into its buffer.</summary>
    public virtual bool ReadsInPlace => false;

    /// <summary>As <see cref="Receive"/>, but hands what is readable to <paramref name="consume"/>
    /// where it lies (a view valid during the call only) and frees only what that consumed; returns
    /// the bytes that were readable (what was not consumed stays for the next receive). Only where
    /// <see cref="ReadsInPlace"/>.</summary>
    public virtual int ReceiveInPlace(ShmRing.InPlaceReader consume, int waitMs, out SocketError status) =>
        throw new NotSupportedException("this channel is not read in place");

    /// <summary>True when the channel would now take a record written in place
    /// (<see cref="ReserveOutput"/>; a hint read without the writer role, so that channels and
    /// records that never go in place take no lock for it).</summary>
    public virtual bool WritesInPlace => false;

    /// <summary>Where the channel can take a record written in place (shared memory): the
    /// contiguous free space of its output, for the writer role to encode the next record into
    /// and then <see cref="Send"/> from there, which publishes it without a copy. Empty when it
    /// cannot; otherwise <see cref="ReleaseOutput"/> must follow.</summary>
    public virtual Memory<byte> ReserveOutput() => Memory<byte>.Empty;

    /// <summary>Ends a <see cref="ReserveOutput"/> (after the record was sent, or instead).</summary>
    public virtual void ReleaseOutput()
    {
    }

    /// <summary>Receives some bytes; 0 at end of stream.</summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken);

    public virtual void Dispose() => Socket.Dispose();
}

/// <summary>A plain TCP or Unix socket.</summary>
internal sealed class SocketChannel(Socket socket) : ByteChannel(socket)
{
    public override bool ReadsDirectly => true;

    public override bool ReadableByEpoll => true;

    public override int Send(ReadOnlySpan<byte> data) => Libc.SendAll(Socket, data);

    public override async ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        int writes = 0;
        while (!data.IsEmpty)
        {
            int sent = await Socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            writes++;
            data = data[sent..];
        }
        return writes;
    }

    public override int Receive(Span<byte> buffer, int waitMs, bool asyncMode, out SocketError status)
    {
        if (!asyncMode)
        {
            // The socket never saw an async operation, so it is still a blocking one: one recv
            // that blocks up to a slice (SO_RCVTIMEO) is the whole wait. Should the sender switch
            // the socket meanwhile (H5 in ReaderRole), this recv returns WouldBlock and the caller
            // polls next round.
            return Libc.Receive(Socket.SafeHandle, buffer, out status);
        }
        // The runtime's engine owns the socket now; its sync receive would wait through the
        // engine's thread, so wait here in poll and receive only what is there.
        if (!Socket.Poll(waitMs * 1000, SelectMode.SelectRead))
        {
            status = SocketError.TimedOut;
            return 0;
        }
        return Libc.Receive(Socket.SafeHandle, buffer, out status);
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
}

/// <summary>TLS over the socket, after the RFC 9289 probe and handshake. SslStream allows one
/// read and one write at a time, which the reader role and the writer role guarantee.</summary>
internal sealed class TlsChannel(Socket socket, SslStream stream) : ByteChannel(socket)
{
    private readonly X509Certificate2? _remote = TlsNegotiation.Certificate2(stream.RemoteCertificate);

    public override bool ReadsDirectly => false;

    public override X509Certificate2? RemoteCertificate => _remote;

    public override int Send(ReadOnlySpan<byte> data)
    {
        stream.Write(data);
        return 1;
    }

    public override async ValueTask<int> SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        return 1;
    }

    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken) =>
        stream.ReadAsync(buffer, cancellationToken);

    public override void Dispose()
    {
        stream.Dispose();
        base.Dispose();
    }
}
