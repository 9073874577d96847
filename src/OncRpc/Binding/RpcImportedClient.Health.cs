using OncRpc.Binding.Internal;
using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.Binding;

public sealed partial class RpcImportedClient
{
    private int _probing;
    private Task _probeRound = Task.CompletedTask;

    /// <summary>Errors that say the instance, not the call, failed: it could not be reached, the
    /// connection broke, or it did not answer in time. Protocol answers (PROG_UNAVAIL,
    /// GARBAGE_ARGS, AUTH_ERROR...) come from a live server and go to the caller as they are.</summary>
    private static bool IsInstanceFailure(RpcException e) =>
        e.Status is RpcStatus.CannotBind or RpcStatus.ConnectionLost or RpcStatus.TimedOut;

    /// <summary>Passive ejection: the first instance failure takes the instance out of rotation
    /// until a probe (or, without polling, <see cref="RpcImportOptions.EjectionTime"/>) says it is back.</summary>
    private void OnFailure(InstanceNode node, RpcException e)
    {
        if (node.Eject(_time.GetTimestamp()))
        {
            BindingLog.Ejected(_logger, node.Instance.Id, node.EndPoint.ToString() ?? "", e.Status, e.Message);
        }
    }

    /// <summary>Without polling, ejected instances come back once their ejection time is over.</summary>
    private void RestoreExpired(InstanceNode[] nodes)
    {
        foreach (InstanceNode node in nodes)
        {
            if (node.Ejected && _time.GetElapsedTime(node.EjectedAt) >= _options.EjectionTime && node.Restore())
            {
                BindingLog.Restored(_logger, node.Instance.Id, node.EndPoint.ToString() ?? "");
            }
        }
    }

    /// <summary>Active polling: procedure 0 on every instance at each tick, all at once; a round
    /// still running when the next tick comes makes that tick do nothing.</summary>
    private void ProbeAll()
    {
        if (Interlocked.Exchange(ref _probing, 1) == 1)
        {
            return;
        }
        Volatile.Write(ref _probeRound, ProbeAllAsync());
    }

    private async Task ProbeAllAsync()
    {
        try
        {
            InstanceNode[] nodes = Volatile.Read(ref _nodes);
            var probes = new Task[nodes.Length];
            for (int i = 0; i < nodes.Length; i++)
            {
                probes[i] = ProbeAsync(nodes[i]);
            }
            await Task.WhenAll(probes).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _probing, 0);
        }
    }

    private async Task ProbeAsync(InstanceNode node)
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }
        using var timeout = new CancellationTokenSource(_options.HealthCheckTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stop.Token);
        try
        {
            RpcClient client = node.Client ?? await node.ConnectAsync(linked.Token).ConfigureAwait(false);
            await client.CallAsync<XdrVoid, XdrVoid>(NullProcedure(), default, linked.Token).ConfigureAwait(false);
            Volatile.Write(ref node.ProbeTimeouts, 0);
            if (node.Restore())
            {
                BindingLog.Restored(_logger, node.Instance.Id, node.EndPoint.ToString() ?? "");
            }
        }
        catch (RpcException e)
        {
            OnFailure(node, e);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_stop.IsCancellationRequested)
        {
            // One slow answer (a busy server, a cold process still compiling its connect path)
            // is not a dead server: a probe timeout ejects on the second in a row. A refused or
            // broken connection ejects at once (the catch above).
            if (Interlocked.Increment(ref node.ProbeTimeouts) >= 2)
            {
                OnFailure(node, new RpcException(RpcStatus.TimedOut, $"no answer to two health probes in {_options.HealthCheckTimeout}"));
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // The node's client was dropped under the probe (ejected by a failing call meanwhile).
        }
    }

    private RpcProcedureDescriptor? _nullProcedure;

    private RpcProcedureDescriptor NullProcedure() =>
        _nullProcedure ??= new RpcProcedureDescriptor(Program, Version, 0, ProcedureName: "NULL");
}
