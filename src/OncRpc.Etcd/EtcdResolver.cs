using System.Runtime.CompilerServices;
using System.Threading.Channels;
using dotnet_etcd;
using Etcdserverpb;
using OncRpc.Binding;

namespace OncRpc.Etcd;

/// <summary>
/// The etcd backend of import: reads every instance under the (program, version) prefix, then
/// watches the prefix and reads again on each change, so clients see servers come and go
/// without polling. A re-read every <see cref="ResyncInterval"/> covers a watch that died
/// quietly. When etcd cannot be reached the sequence ends with the error; the imported client
/// keeps the last view and watches again with backoff (docs/binder.md).
/// </summary>
public sealed class EtcdResolver : IRpcResolver
{
    private readonly string _connectionString;

    /// <summary>Imports from the etcd cluster at <paramref name="connectionString"/>
    /// ("http://host:2379", several separated by commas).</summary>
    public EtcdResolver(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        _connectionString = connectionString;
    }

    /// <summary>How often the whole prefix is read again even without a watch event.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one request to etcd may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <inheritdoc />
    public IAsyncEnumerable<IReadOnlyList<RpcInstance>> WatchAsync(uint program, uint version, CancellationToken cancellationToken) =>
        WatchPrefixAsync(EtcdKeys.Prefix(program, version), cancellationToken);

    /// <summary>Every instance of every program under <see cref="EtcdKeys.Root"/>, now and after
    /// each change (what <c>oncrpc binder watch</c> shows).</summary>
    public IAsyncEnumerable<IReadOnlyList<RpcInstance>> WatchAllAsync(CancellationToken cancellationToken) =>
        WatchPrefixAsync(EtcdKeys.Root, cancellationToken);

    private async IAsyncEnumerable<IReadOnlyList<RpcInstance>> WatchPrefixAsync(string prefix,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var etcd = new EtcdClient(_connectionString);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            var changed = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
            await etcd.WatchRangeAsync(prefix, (WatchResponse _) => changed.Writer.TryWrite(true),
                cancellationToken: watching.Token).ConfigureAwait(false);
            string? lastShape = null;
            while (true)
            {
                IReadOnlyList<RpcInstance> view = await ReadAsync(etcd, prefix, cancellationToken).ConfigureAwait(false);
                string shape = Shape(view);
                if (shape != lastShape)
                {
                    lastShape = shape;
                    yield return view;
                }
                await WaitForChangeAsync(changed.Reader, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Every instance under <paramref name="prefix"/> (all of them with <see cref="EtcdKeys.Root"/>).</summary>
    public async Task<IReadOnlyList<RpcInstance>> ListAsync(string prefix = EtcdKeys.Root, CancellationToken cancellationToken = default)
    {
        using var etcd = new EtcdClient(_connectionString);
        return await ReadAsync(etcd, prefix, cancellationToken).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<RpcInstance>> ReadAsync(EtcdClient etcd, string prefix, CancellationToken cancellationToken)
    {
        RangeResponse range = await etcd.GetRangeAsync(prefix, deadline: DateTime.UtcNow + RequestTimeout, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        var view = new List<RpcInstance>(range.Kvs.Count);
        foreach (Mvccpb.KeyValue kv in range.Kvs)
        {
            if (EtcdInstanceJson.TryDeserialize(kv.Value.ToStringUtf8()) is { } instance)
            {
                view.Add(instance);
            }
        }
        return view;
    }

    private async Task WaitForChangeAsync(ChannelReader<bool> changed, CancellationToken cancellationToken)
    {
        using var resync = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        resync.CancelAfter(ResyncInterval);
        try
        {
            await changed.ReadAsync(resync.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Resync time: read again.
        }
    }

    // The set's identity for "did it change": ids, end points and metadata, in a stable order.
    private static string Shape(IReadOnlyList<RpcInstance> view) =>
        string.Join('\n', view.Select(EtcdInstanceJson.Serialize).Order(StringComparer.Ordinal));
}
