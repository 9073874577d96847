using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using OncRpc.Auth;
using OncRpc.Client;

namespace OncRpc.Hosting.Internal;

/// <summary>Checks <see cref="RpcClientHostOptions"/> and makes the <see cref="RpcClient"/> they
/// describe. The client connects on its first call, so resolving it never blocks.</summary>
internal static class RpcClientFactory
{
    public static IEnumerable<string> Validate(string name, RpcClientHostOptions options)
    {
        string key = $"{RpcClientHostOptions.SectionName}:{name}";
        if (!Transports.TryParse(options.Transport, out RpcTransportKind transport))
        {
            yield return $"{key}:Transport is '{options.Transport}': it is tcp, udp, unix or shm";
            yield break;
        }
        if (transport is RpcTransportKind.Local or RpcTransportKind.SharedMemory)
        {
            if (string.IsNullOrWhiteSpace(options.Path))
            {
                yield return $"{key}:Path is missing: a unix or shm client needs the server's socket file path";
            }
        }
        else
        {
            if (options.Port is < 1 or > IPEndPoint.MaxPort)
            {
                yield return $"{key}:Port is {options.Port.ToString(CultureInfo.InvariantCulture)}: a server's port is 1-65535";
            }
            if (string.IsNullOrWhiteSpace(options.Host))
            {
                yield return $"{key}:Host is missing";
            }
            else if (transport == RpcTransportKind.Udp && !IPAddress.TryParse(options.Host, out _))
            {
                yield return $"{key}:Host is '{options.Host}': a udp client needs an IP address";
            }
        }
        if (options.Credentials.Trim().ToLowerInvariant() is not ("none" or "sys"))
        {
            yield return $"{key}:Credentials is '{options.Credentials}': it is none or sys";
        }
        if (options.Gids.Count > AuthSysParameters.MaxGids)
        {
            yield return $"{key}:Gids has {options.Gids.Count.ToString(CultureInfo.InvariantCulture)} entries: AUTH_SYS carries at most {AuthSysParameters.MaxGids.ToString(CultureInfo.InvariantCulture)}";
        }
        foreach ((string property, TimeSpan? value) in new[] { ("Timeout", options.Timeout), ("RetransmitInterval", options.RetransmitInterval), ("MaxRetransmitInterval", options.MaxRetransmitInterval) })
        {
            if (value is { } span && span <= TimeSpan.Zero)
            {
                yield return $"{key}:{property} is {span}: it is positive";
            }
        }
    }

    public static RpcClient Create(RpcClientHostOptions options, ILoggerFactory? loggerFactory, TimeProvider timeProvider)
    {
        var clientOptions = new RpcClientOptions { LoggerFactory = loggerFactory, TimeProvider = timeProvider };
        clientOptions.Timeout = options.Timeout ?? clientOptions.Timeout;
        clientOptions.RetransmitInterval = options.RetransmitInterval ?? clientOptions.RetransmitInterval;
        clientOptions.MaxRetransmitInterval = options.MaxRetransmitInterval ?? clientOptions.MaxRetransmitInterval;
        if (options.Credentials.Trim().Equals("sys", StringComparison.OrdinalIgnoreCase))
        {
            var process = AuthSysParameters.ForCurrentProcess(options.Uid, options.Gid, [.. options.Gids]);
            clientOptions.Credentials = RpcCredentials.Sys(process.Stamp, options.MachineName ?? process.MachineName,
                process.Uid, process.Gid, process.Gids);
        }
        Transports.TryParse(options.Transport, out RpcTransportKind transport);
        return transport switch
        {
            RpcTransportKind.Udp => RpcClient.CreateUdp(new IPEndPoint(IPAddress.Parse(options.Host), options.Port), clientOptions),
            RpcTransportKind.Local => RpcClient.CreateUnix(options.Path!, clientOptions),
            RpcTransportKind.SharedMemory => RpcClient.CreateSharedMemory(options.Path!, clientOptions),
            _ => RpcClient.CreateTcp(IPAddress.TryParse(options.Host, out IPAddress? address)
                ? new IPEndPoint(address, options.Port)
                : new DnsEndPoint(options.Host, options.Port), clientOptions),
        };
    }
}
