using System.Buffers.Binary;
using System.Net.Sockets;

namespace OncRpc.Transport.Internal;

/// <summary>
/// The one message of a shared-memory connection's Unix socket: right after accepting, the server
/// sends 16 bytes (magic, status, ring size, reserved) and, when it accepts the peer, the
/// mapping's descriptor with them (SCM_RIGHTS). After that the socket carries nothing; it stays
/// open only so each side learns at once when the other goes away (end of stream).
/// </summary>
internal static class ShmHandshake
{
    private const int HelloSize = 16;
    private const uint HelloMagic = 0x53484D31; // "SHM1"
    private const uint Accepted = 0;
    private const uint Refused = 1;

    /// <summary>Server: accepts a peer whose uid <paramref name="allowed"/> says yes (asked with
    /// SO_PEERCRED, which the kernel fills in at connect time) and returns the connection's new
    /// mapping; refuses the others (null; they are told why before the socket closes).</summary>
    public static ShmMapping? Offer(Socket socket, int ringSize, Func<uint, bool> allowed, out uint peerUid)
    {
        peerUid = ShmLibc.PeerUid(socket.SafeHandle);
        Span<byte> hello = stackalloc byte[HelloSize];
        BinaryPrimitives.WriteUInt32BigEndian(hello, HelloMagic);
        BinaryPrimitives.WriteInt32BigEndian(hello[8..], ringSize);
        if (!allowed(peerUid))
        {
            BinaryPrimitives.WriteUInt32BigEndian(hello[4..], Refused);
            ShmLibc.SendWithDescriptor(socket.SafeHandle, hello, -1);
            return null;
        }
        BinaryPrimitives.WriteUInt32BigEndian(hello[4..], Accepted);
        ShmMapping mapping = ShmMapping.Create(ringSize, out int fd);
        try
        {
            ShmLibc.SendWithDescriptor(socket.SafeHandle, hello, fd);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
        finally
        {
            ShmLibc.Close(fd); // the client has its own copy now; the mapping keeps the memory
        }
        return mapping;
    }

    /// <summary>Client: receives the server's hello and maps the connection. Throws
    /// <see cref="RpcException"/> (<see cref="RpcStatus.CannotBind"/>) when the server refused
    /// this process or is not a shared-memory end point.</summary>
    public static ShmMapping Accept(Socket socket, TimeSpan timeout)
    {
        Span<byte> hello = stackalloc byte[HelloSize];
        int received;
        int fd;
        try
        {
            // Poll first: the socket may be in non-blocking mode, and a server that never answers
            // (a plain RPC socket, say) must not hold the caller past its timeout.
            long micros = timeout == Timeout.InfiniteTimeSpan ? -1 : (long)Math.Clamp(timeout.TotalMicroseconds, 1, int.MaxValue);
            if (!socket.Poll((int)micros, SelectMode.SelectRead))
            {
                throw new RpcException(RpcStatus.CannotBind, "no shared-memory handshake from the server within the timeout (is it a shared-memory end point?)");
            }
            received = ShmLibc.ReceiveWithDescriptor(socket.SafeHandle, hello, out fd);
        }
        catch (IOException e)
        {
            throw new RpcException(RpcStatus.CannotBind, $"no shared-memory handshake from the server: {e.Message}", e);
        }
        try
        {
            if (received != HelloSize || BinaryPrimitives.ReadUInt32BigEndian(hello) != HelloMagic)
            {
                throw new RpcException(RpcStatus.CannotBind,
                    received == 0 ? "the server closed the connection before the shared-memory handshake" : "the server is not a shared-memory end point");
            }
            if (BinaryPrimitives.ReadUInt32BigEndian(hello[4..]) == Refused)
            {
                throw new RpcException(RpcStatus.CannotBind,
                    $"the server refused this process's user id ({ShmLibc.GetEffectiveUid()}) on its shared-memory end point");
            }
            if (fd < 0)
            {
                throw new RpcException(RpcStatus.CannotBind, "the server's shared-memory handshake carried no mapping");
            }
            try
            {
                return ShmMapping.Open(fd, BinaryPrimitives.ReadInt32BigEndian(hello[8..]));
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                throw new RpcException(RpcStatus.CannotBind, $"the server's shared mapping is unusable: {e.Message}", e);
            }
        }
        finally
        {
            if (fd >= 0)
            {
                ShmLibc.Close(fd);
            }
        }
    }
}
