using System.Net;
using System.Runtime.InteropServices;
using OncRpc.Auth;

namespace OncRpc.Tool.Call;

/// <summary>The parsed options of one <c>oncrpc call</c>.</summary>
internal sealed record CallRequest(string Transport, string Auth, TimeSpan Timeout)
{
    public RpcTransportKind TransportKind => Transport switch
    {
        "udp" => RpcTransportKind.Udp,
        "unix" => RpcTransportKind.Local,
        "tcp" => RpcTransportKind.Tcp,
        _ => throw new FormatException($"-T takes tcp, udp or unix, not '{Transport}'"),
    };

    /// <summary><c>none</c>, <c>sys</c> (this process's uid and gid) or <c>sys:UID:GID</c>.</summary>
    public RpcCredentials Credentials
    {
        get
        {
            string[] parts = Auth.Split(':');
            return parts switch
            {
                ["none"] => RpcCredentials.None,
                ["sys"] => RpcCredentials.Sys(Stamp(), Dns.GetHostName(), Native.getuid(), Native.getgid(), useShortHandles: false),
                ["sys", string uid, string gid] when uint.TryParse(uid, out uint u) && uint.TryParse(gid, out uint g) =>
                    RpcCredentials.Sys(Stamp(), Dns.GetHostName(), u, g, useShortHandles: false),
                _ => throw new FormatException($"--auth takes none, sys or sys:UID:GID, not '{Auth}'"),
            };
        }
    }

    /// <summary>Throws <see cref="FormatException"/> for a bad -T or --auth, before any input is read.</summary>
    public void Validate()
    {
        _ = TransportKind;
        _ = Credentials;
    }

    private static uint Stamp() => (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public Client.RpcClientOptions ClientOptions => new()
    {
        Timeout = Timeout,
        RetransmitInterval = TimeSpan.FromMilliseconds(Math.Min(1000, Timeout.TotalMilliseconds)),
        Credentials = Credentials,
        // One call per process: a lost connection is an answer worth reporting, not a retry.
        Reconnect = false,
    };

    private static class Native
    {
#pragma warning disable SYSLIB1054 // two blittable calls; no marshalling code to generate
        [DllImport("libc", SetLastError = false)]
        public static extern uint getuid();

        [DllImport("libc", SetLastError = false)]
        public static extern uint getgid();
#pragma warning restore SYSLIB1054
    }
}
