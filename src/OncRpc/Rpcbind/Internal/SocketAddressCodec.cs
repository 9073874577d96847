using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OncRpc.Rpcbind.Internal;

/// <summary>
/// TADDR2UADDR / UADDR2TADDR: a netbuf holds a Linux sockaddr in host layout (sa_family is a
/// native-endian 16-bit value, little-endian on the machines rpcbind runs on here; the port and
/// address are network order). The family is read from the buffer itself rather than from the
/// transport the request came over, so a local caller may convert any kind. Failures answer ""
/// and an empty netbuf, as rpcbind does.
/// </summary>
internal static class SocketAddressCodec
{
    private const ushort AfUnix = 1;
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;
    private const int SockaddrInLength = 16;
    private const int SockaddrIn6Length = 28;
    private const int SockaddrUnLength = 110;

    private static readonly NetBuffer s_empty = new(0, ReadOnlyMemory<byte>.Empty);

    public static NetBuffer ToNetBuffer(string universalAddress)
    {
        if (UniversalAddress.TryParse(universalAddress, out IPEndPoint ip))
        {
            bool v6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
            byte[] buffer = new byte[v6 ? SockaddrIn6Length : SockaddrInLength];
            BinaryPrimitives.WriteUInt16LittleEndian(buffer, v6 ? AfInet6 : AfInet);
            BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), (ushort)ip.Port);
            ip.Address.TryWriteBytes(buffer.AsSpan(v6 ? 8 : 4), out _);
            return new NetBuffer((uint)buffer.Length, buffer);
        }
        if (UniversalAddress.IsValidLocalPath(universalAddress))
        {
            // SUN_LEN: the family and the path without its NUL; maxlen is the whole sockaddr_un.
            byte[] path = Encoding.UTF8.GetBytes(universalAddress);
            byte[] buffer = new byte[2 + path.Length];
            BinaryPrimitives.WriteUInt16LittleEndian(buffer, AfUnix);
            path.CopyTo(buffer, 2);
            return new NetBuffer(SockaddrUnLength, buffer);
        }
        return s_empty;
    }

    public static string ToUniversalAddress(NetBuffer netbuf)
    {
        ReadOnlySpan<byte> buffer = netbuf.Buffer.Span;
        if (buffer.Length < 2)
        {
            return "";
        }
        switch (BinaryPrimitives.ReadUInt16LittleEndian(buffer))
        {
            case AfInet when buffer.Length >= 8:
                return UniversalAddress.Format(new IPAddress(buffer.Slice(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]));
            case AfInet6 when buffer.Length >= 24:
                return UniversalAddress.Format(new IPAddress(buffer.Slice(8, 16)), BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]));
            case AfUnix:
                ReadOnlySpan<byte> path = buffer[2..];
                int nul = path.IndexOf((byte)0);
                if (nul >= 0)
                {
                    path = path[..nul];
                }
                try
                {
                    string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(path);
                    return UniversalAddress.IsValidLocalPath(text) ? text : "";
                }
                catch (DecoderFallbackException)
                {
                    return "";
                }
            default:
                return "";
        }
    }
}
