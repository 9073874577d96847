using dotnet_etcd;
using Etcdserverpb;
using Microsoft.Extensions.Logging;
using OncRpc.Binding;

namespace OncRpc.Etcd;

/// <summary>Instances exported to etcd under one lease, kept alive until withdrawn.</summary>
public sealed class EtcdExport : IRpcExport
{
    private static readonly TimeSpan s_firstRetry = TimeSpan.FromMilliseconds(200);

    private readonly EtcdClient _etcd;
    private readonly EtcdExporter _exporter;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeSpan _firstRetry;
    private readonly TimeSpan _maxRetry;
    private TimeSpan _backoff; // the keep-alive task's alone
    private Task _keepingAlive = Task.CompletedTask;
    private long _leaseId;

    internal EtcdExport(EtcdClient etcd, IReadOnlyList<RpcInstance> instances, EtcdExporter exporter, ILogger logger)
    {
        _etcd = etcd;
        Instances = instances;
        _exporter = exporter;
        _logger = logger;
        _maxRetry = exporter.RetryBound;
        _firstRetry = TimeSpan.FromTicks(Math.Min(s_firstRetry.Ticks, _maxRetry.Ticks));
        _backoff = _firstRetry;
    }

    /// <inheritdoc />
    public IReadOnlyList<RpcInstance> Instances { get; }

    /// <summary>The lease the keys are attached to now (a new one after etcd lost the previous).</summary>
    public long LeaseId => Interlocked.Read(ref _leaseId);

    /// <summary>Grants a lease and puts every key under it.</summary>
    internal async Task EstablishAsync(CancellationToken cancellationToken)
    {
        LeaseGrantResponse lease = await _etcd.LeaseGrantAsync(
            new LeaseGrantRequest { TTL = Math.Max(1, (long)Math.Ceiling(_exporter.Ttl.TotalSeconds)) },
            deadline: _exporter.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (RpcInstance instance in Instances)
        {
            await _etcd.PutAsync(new PutRequest
            {
                Key = EtcdExporter.Utf8(EtcdKeys.For(instance.Program, instance.Version, instance.Id)),
                Value = EtcdExporter.Utf8(EtcdInstanceJson.Serialize(instance)),
                Lease = lease.ID,
            }, deadline: _exporter.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        Interlocked.Exchange(ref _leaseId, lease.ID);
    }

    internal void StartKeepAlive() => _keepingAlive = KeepAliveAsync(_stop.Token);

    /// <summary>
    /// Keeps the lease alive; when the stream breaks (etcd unreachable, a member gone) or the
    /// lease is found expired, exports again under a new lease after a backoff, until one export
    /// goes through whole; then keeps that lease alive.
    /// </summary>
    private async Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        while (await RenewUntilLostAsync(cancellationToken).ConfigureAwait(false)
            && await ExportAgainAsync(cancellationToken).ConfigureAwait(false))
        {
        }
    }

    /// <summary>Renews the lease until the stream breaks or the lease is found expired (true), or
    /// the export stops (false). The check of the lease's remaining time each third of the TTL
    /// catches a keep-alive stream that runs on but no longer renews.</summary>
    private async Task<bool> RenewUntilLostAsync(CancellationToken cancellationToken)
    {
        using var round = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            Task stream = _etcd.LeaseKeepAlive(LeaseId, round.Token);
            while (!stream.IsCompleted)
            {
                await Task.WhenAny(stream, Task.Delay(_exporter.Ttl / 3, round.Token)).ConfigureAwait(false);
                if (stream.IsCompleted)
                {
                    break;
                }
                LeaseTimeToLiveResponse left = await _etcd.LeaseTimeToLiveAsync(new LeaseTimeToLiveRequest { ID = LeaseId },
                    deadline: _exporter.Deadline(), cancellationToken: round.Token).ConfigureAwait(false);
                if (left.TTL <= 0)
                {
                    throw new InvalidOperationException($"lease {LeaseId:x} expired");
                }
                _backoff = _firstRetry;
            }
            await stream.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e)
        {
            EtcdLog.KeepAliveFailed(_logger, LeaseId, e.Message, _backoff);
        }
        await round.CancelAsync().ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Exports again under a new lease, waiting a backoff before each try, until one goes through
    /// whole (true) or the export stops (false).
    /// </summary>
    /// <remarks>
    /// A try that failed part way is followed by another whole one, never by renewing the old
    /// lease: its puts may have moved keys to its new lease, which nobody would renew. The backoff
    /// stops at <see cref="EtcdExporter.RetryBound"/>, within a third of the TTL, or a live server
    /// would drop out of every client's view after an outage.
    /// </remarks>
    private async Task<bool> ExportAgainAsync(CancellationToken cancellationToken)
    {
        while (await DelayAsync(_backoff, cancellationToken).ConfigureAwait(false))
        {
            _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, _maxRetry.Ticks));
            try
            {
                await EstablishAsync(cancellationToken).ConfigureAwait(false);
                EtcdLog.Reexported(_logger, Instances.Count, LeaseId);
                return true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception e)
            {
                EtcdLog.KeepAliveFailed(_logger, LeaseId, e.Message, _backoff);
            }
        }
        return false;
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Stops keeping the lease alive without revoking it, as a crash would (tests).</summary>
    internal async Task AbandonAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _keepingAlive.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or Grpc.Core.RpcException)
        {
        }
    }

    /// <inheritdoc />
    public async ValueTask WithdrawAsync(CancellationToken cancellationToken)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _keepingAlive.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or Grpc.Core.RpcException)
        {
        }
        try
        {
            // Revoking the lease deletes every key attached to it, at once.
            await _etcd.LeaseRevokeAsync(new LeaseRevokeRequest { ID = LeaseId },
                deadline: _exporter.Deadline(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            EtcdLog.WithdrawFailed(_logger, LeaseId, e.Message);
        }
        _etcd.Dispose();
        _stop.Dispose();
    }
}
