using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace OncRpc.Hosting.Internal;

/// <summary>Checks the bound <see cref="RpcServerHostOptions"/> when the host starts, so a bad port
/// or transport stops the start with a message naming the configuration key, not a socket error.</summary>
internal sealed class RpcServerHostOptionsValidator : IValidateOptions<RpcServerHostOptions>
{
    public ValidateOptionsResult Validate(string? name, RpcServerHostOptions options)
    {
        var failures = new List<string>();
        if (options.Listeners.Count == 0)
        {
            failures.Add($"{RpcServerHostOptions.SectionName}:Listeners is empty: add at least one end point, e.g. {{ \"Transport\": \"tcp\", \"Port\": 4000 }}");
        }
        for (int i = 0; i < options.Listeners.Count; i++)
        {
            ValidateListener(options.Listeners[i], $"{RpcServerHostOptions.SectionName}:Listeners:{i.ToString(CultureInfo.InvariantCulture)}", failures);
        }
        Positive(options.MaxConnections, nameof(options.MaxConnections), failures);
        Positive(options.MaxConcurrentCallsPerConnection, nameof(options.MaxConcurrentCallsPerConnection), failures);
        Positive(options.MaxConcurrentUdpCalls, nameof(options.MaxConcurrentUdpCalls), failures);
        Positive(options.MaxRecordSize, nameof(options.MaxRecordSize), failures);
        Positive(options.MaxUdpDatagramSize, nameof(options.MaxUdpDatagramSize), failures);
        if (options.EventLoopThreads is < 0)
        {
            failures.Add($"{RpcServerHostOptions.SectionName}:EventLoopThreads is {options.EventLoopThreads}: it is 0 (the socket engine) or more");
        }
        if (options.IdleTimeout is { } idle && idle <= TimeSpan.Zero && idle != Timeout.InfiniteTimeSpan)
        {
            failures.Add($"{RpcServerHostOptions.SectionName}:IdleTimeout is {idle}: it is positive, or -00:00:00.001 for none");
        }
        if (options.RpcbindAddress is { } rpcbind && !RpcbindAddress.TryParse(rpcbind, out _))
        {
            failures.Add($"{RpcServerHostOptions.SectionName}:RpcbindAddress is '{rpcbind}': it is address:port (127.0.0.1:111) or a Unix socket path (/run/rpcbind.sock)");
        }
        if (options.RpcbindTimeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            failures.Add($"{RpcServerHostOptions.SectionName}:RpcbindTimeout is {timeout}: it is positive");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateListener(RpcListenerOptions listener, string key, List<string> failures)
    {
        if (!Transports.TryParse(listener.Transport, out RpcTransportKind transport))
        {
            failures.Add($"{key}:Transport is '{listener.Transport}': it is tcp, udp, unix or shm");
            return;
        }
        if (transport is RpcTransportKind.Local or RpcTransportKind.SharedMemory)
        {
            if (string.IsNullOrWhiteSpace(listener.Path))
            {
                failures.Add($"{key}:Path is missing: a unix or shm listener needs a socket file path");
            }
            return;
        }
        if (listener.Port is < IPEndPoint.MinPort or > IPEndPoint.MaxPort)
        {
            failures.Add($"{key}:Port is {listener.Port}: a port is 0-65535 (0 picks a free one)");
        }
        if (!IPAddress.TryParse(listener.Address, out _))
        {
            failures.Add($"{key}:Address is '{listener.Address}': it is an IP address such as 0.0.0.0, :: or 127.0.0.1");
        }
    }

    private static void Positive(int? value, string name, List<string> failures)
    {
        if (value is <= 0)
        {
            failures.Add($"{RpcServerHostOptions.SectionName}:{name} is {value}: it is positive");
        }
    }
}
