using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using OncRpc.Binding;

namespace OncRpc.Etcd;

/// <summary>
/// The etcd backend of export: each instance is put under its key
/// (<see cref="EtcdKeys"/>) attached to one lease of <see cref="Ttl"/>, kept alive while the
/// export lasts. A server that crashes stops the keep-alive and its keys disappear when the
/// lease runs out; one that stops revokes the lease and they disappear at once. Add one to
/// <see cref="OncRpc.Server.RpcServerOptions.Exporters"/>.
/// </summary>
public sealed class EtcdExporter : IRpcExporter
{
    private readonly string _connectionString;

    /// <summary>Exports to the etcd cluster at <paramref name="connectionString"/>
    /// ("http://host:2379", several separated by commas).</summary>
    public EtcdExporter(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _connectionString = connectionString;
    }

    /// <summary>The lease's time to live: how long a crashed server stays listed, at most. It
    /// also paces recovery: after etcd was unreachable, the export tries again at least every
    /// third of it (and every 5 s), so a live server's keys are put again before etcd lets the
    /// old lease run out.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one request to etcd may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <inheritdoc />
    public async ValueTask<IRpcExport> ExportAsync(IReadOnlyList<RpcInstance> instances, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instances);
        ArgumentNullException.ThrowIfNull(logger);
        // The channel's reconnect backoff (1 s growing to 2 min by default) is bounded like the
        // export's own retries: after an outage the keys must be put again within the TTL, and a
        // retry is no use while the channel still waits to reconnect.
        TimeSpan reconnect = RetryBound;
        var etcd = new EtcdClient(_connectionString, configureChannelOptions: options =>
        {
            options.InitialReconnectBackoff = TimeSpan.FromTicks(Math.Min(options.InitialReconnectBackoff.Ticks, reconnect.Ticks));
            options.MaxReconnectBackoff = reconnect;
        });
        var export = new EtcdExport(etcd, instances, this, logger);
        try
        {
            await export.EstablishAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            etcd.Dispose();
            throw new RpcException(RpcStatus.CannotBind, $"cannot export to etcd at {_connectionString}: {e.Message}", e);
        }
        export.StartKeepAlive();
        return export;
    }

    internal DateTime Deadline() => DateTime.UtcNow + RequestTimeout;

    /// <summary>The longest wait before trying etcd again (the export's retries, the channel's
    /// reconnects): 5 s, and never more than a third of the TTL, since etcd back from an outage
    /// gives the old lease one full TTL and the keys must be put again before it runs out.</summary>
    internal TimeSpan RetryBound => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, Ttl.Ticks / 3));

    internal static ByteString Utf8(string text) => ByteString.CopyFromUtf8(text);
}
