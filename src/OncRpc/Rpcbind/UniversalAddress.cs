using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace OncRpc.Rpcbind;

/// <summary>
/// Universal addresses (RFC 1833 §2.1, RFC 5665 §5.2.3): the text form of a transport address.
/// IPv4 is <c>h1.h2.h3.h4.p1.p2</c> and IPv6 is the address text followed by <c>.p1.p2</c>,
/// where the port is <c>p1 * 256 + p2</c>; the local transport's is the socket path.
/// Parsing is strict because these strings come off the network: exactly the grammar, decimal
/// octets 0-255 without signs, spaces or leading zeros, no IPv6 scope or brackets, bounded length.
/// </summary>
public static class UniversalAddress
{
    // "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is the longest IPv6 text, plus ".255.255".
    private const int MaxIpLength = 45 + 8;

    /// <summary>sun_path is 108 bytes with its terminating NUL.</summary>
    public const int MaxLocalPathBytes = 107;

    /// <summary>Formats an IP end point; an IPv6 scope id is dropped (it has no universal form).</summary>
    public static string Format(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        return Format(endPoint.Address, endPoint.Port);
    }

    /// <summary>Formats <paramref name="address"/> and <paramref name="port"/>.</summary>
    public static string Format(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        string host;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            host = address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()).ToString() : address.ToString();
        }
        else if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            host = address.ToString();
        }
        else
        {
            throw new ArgumentException($"{address.AddressFamily} has no IP universal address", nameof(address));
        }
        return string.Create(CultureInfo.InvariantCulture, $"{host}.{port >> 8}.{port & 0xff}");
    }

    /// <summary>Formats an IP or Unix socket end point.</summary>
    public static string Format(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip => Format(ip),
        UnixDomainSocketEndPoint unix => unix.ToString(),
        null => throw new ArgumentNullException(nameof(endPoint)),
        _ => throw new ArgumentException($"{endPoint.GetType().Name} has no universal address", nameof(endPoint)),
    };

    /// <summary>Parses an IPv4 or IPv6 universal address; false for anything that is not exactly one.</summary>
    public static bool TryParse(string? universalAddress, out IPEndPoint endPoint)
    {
        endPoint = null!;
        if (string.IsNullOrEmpty(universalAddress) || universalAddress.Length > MaxIpLength)
        {
            return false;
        }
        int last = universalAddress.LastIndexOf('.');
        if (last <= 0)
        {
            return false;
        }
        int middle = universalAddress.LastIndexOf('.', last - 1);
        if (middle <= 0
            || !TryParseOctet(universalAddress.AsSpan(middle + 1, last - middle - 1), out int high)
            || !TryParseOctet(universalAddress.AsSpan(last + 1), out int low))
        {
            return false;
        }
        ReadOnlySpan<char> host = universalAddress.AsSpan(0, middle);
        IPAddress? address = host.Contains(':') ? ParseIPv6(host) : ParseIPv4(host);
        if (address is null)
        {
            return false;
        }
        endPoint = new IPEndPoint(address, (high << 8) | low);
        return true;
    }

    /// <summary>Parses an IP universal address; <see cref="FormatException"/> when it is not one.</summary>
    public static IPEndPoint Parse(string universalAddress) => TryParse(universalAddress, out IPEndPoint endPoint)
        ? endPoint
        : throw new FormatException($"'{Printable(universalAddress)}' is not an IP universal address");

    /// <summary>Parses the universal address of a transport named by <paramref name="netid"/>:
    /// an <see cref="IPEndPoint"/> of the netid's family for tcp/udp/tcp6/udp6 (an IPv4 address
    /// under tcp6 is refused), a <see cref="UnixDomainSocketEndPoint"/> for local/unix.</summary>
    public static bool TryParse(string? universalAddress, string? netid, out EndPoint endPoint)
    {
        endPoint = null!;
        if (!RpcbindNetid.TryParse(netid, out RpcTransportKind transport, out AddressFamily family))
        {
            return false;
        }
        if (transport == RpcTransportKind.Local)
        {
            if (!IsValidLocalPath(universalAddress))
            {
                return false;
            }
            endPoint = new UnixDomainSocketEndPoint(universalAddress!);
            return true;
        }
        if (!TryParse(universalAddress, out IPEndPoint ip) || ip.AddressFamily != family)
        {
            return false;
        }
        endPoint = ip;
        return true;
    }

    /// <summary>A local universal address is an absolute path that fits sun_path, without NUL or
    /// other control characters.</summary>
    public static bool IsValidLocalPath(string? path) =>
        !string.IsNullOrEmpty(path) && path[0] == '/'
        && !path.AsSpan().ContainsAnyInRange('\0', '\u001f') && !path.Contains('\u007f')
        && Encoding.UTF8.GetByteCount(path) <= MaxLocalPathBytes;

    // Decimal 0-255: one to three ASCII digits, no sign, no leading zero.
    private static bool TryParseOctet(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        if (text.Length is 0 or > 3 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
            value = (value * 10) + (c - '0');
        }
        return value <= 255;
    }

    private static IPAddress? ParseIPv4(ReadOnlySpan<char> host)
    {
        Span<byte> bytes = stackalloc byte[4];
        int part = 0;
        foreach (Range range in host.Split('.'))
        {
            if (part == 4 || !TryParseOctet(host[range], out int octet))
            {
                return null;
            }
            bytes[part++] = (byte)octet;
        }
        return part == 4 ? new IPAddress(bytes) : null;
    }

    private static IPAddress? ParseIPv6(ReadOnlySpan<char> host)
    {
        // Only hex digits, colons and the dots of an embedded IPv4 tail: no scope (%eth0), no
        // brackets, no spaces, which IPAddress.TryParse would otherwise accept or trim.
        foreach (char c in host)
        {
            if (!(char.IsAsciiHexDigit(c) || c is ':' or '.'))
            {
                return null;
            }
        }
        int dot = host.IndexOf('.');
        if (dot >= 0)
        {
            int colon = host.LastIndexOf(':');
            if (colon > dot || ParseIPv4(host[(colon + 1)..]) is null)
            {
                return null;
            }
        }
        return IPAddress.TryParse(host, out IPAddress? address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? address
            : null;
    }

    internal static string Printable(string? text)
    {
        if (text is null)
        {
            return "(null)";
        }
        var builder = new StringBuilder(Math.Min(text.Length, 64));
        foreach (char c in text.AsSpan(0, Math.Min(text.Length, 64)))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }
        return text.Length > 64 ? builder.Append("...").ToString() : builder.ToString();
    }
}
