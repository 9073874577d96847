using System.Runtime.CompilerServices;
using OncRpc.Binding.Internal;
using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.Binding;

/// <summary>
/// Calls with failover. Each attempt picks an instance the call has not tried. A connection that
/// cannot be made sent nothing, so the call moves on whatever its semantics. Once sent, a call
/// that fails with the instance (connection lost, no answer) moves on only when it is
/// at-least-once: an at-most-once call may have run, and another server's duplicate-request cache
/// does not know its xid, so the caller gets the error, which says the call may have executed.
/// </summary>
public sealed partial class RpcImportedClient
{
    /// <inheritdoc />
    public override ValueTask<TResult> CallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        return WithFailoverAsync(procedure, static (client, state, ct) => client.CallAsync<TArgs, TResult>(state.procedure, state.arguments, ct),
            (procedure, arguments), cancellationToken);
    }

    /// <inheritdoc />
    public override ValueTask<TResult> CallAsync<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCallOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        // The options go to the instance's client: each attempt on another instance is bounded by
        // the call's own timeout, as it would be by the client's.
        return WithFailoverAsync(procedure,
            static (client, state, ct) => client.CallAsync<TArgs, TResult>(state.procedure, state.arguments, state.options, ct),
            (procedure, arguments, options), cancellationToken);
    }

    /// <summary>The attempt loop of every asynchronous call: pick, connect, send, and on an
    /// instance failure move on when <see cref="AfterSent"/> allows. <paramref name="send"/> is
    /// static and its state a value, so a call allocates no closure.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<TResult> WithFailoverAsync<TState, TResult>(RpcProcedureDescriptor procedure,
        Func<RpcClient, TState, CancellationToken, ValueTask<TResult>> send, TState state, CancellationToken cancellationToken)
    {
        InstanceNode[] nodes = Volatile.Read(ref _nodes);
        if (nodes.Length == 0)
        {
            nodes = await FirstViewAsync(cancellationToken).ConfigureAwait(false);
        }
        List<InstanceNode>? tried = null;
        RpcException? last = null;
        for (int attempt = 0; attempt <= _options.MaxFailovers; attempt++)
        {
            if (Pick(nodes, tried) is not { } node)
            {
                break;
            }
            RpcClient client;
            try
            {
                client = node.Client ?? await node.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (IsInstanceFailure(e))
            {
                last = Skip(node, e, procedure, ref tried);
                continue;
            }
            node.Enter();
            try
            {
                return await send(client, state, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (IsInstanceFailure(e))
            {
                last = AfterSent(node, e, procedure, ref tried);
            }
            catch (ObjectDisposedException e) when (!_stop.IsCancellationRequested)
            {
                last = Dropped(node, e, procedure, ref tried);
            }
            finally
            {
                node.Leave();
            }
        }
        throw NoInstanceLeft(procedure, last);
    }

    /// <inheritdoc />
    public override TResult Call<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default) =>
        Call<TArgs, TResult>(procedure, arguments, default(RpcCallOptions), cancellationToken);

    /// <inheritdoc />
    public override TResult Call<TArgs, TResult>(
        RpcProcedureDescriptor procedure, TArgs arguments, RpcCallOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        InstanceNode[] nodes = Volatile.Read(ref _nodes);
        if (nodes.Length == 0)
        {
            // Nothing resolved yet: there is no instance to call, and waiting for the watch here
            // would block a thread on asynchronous work.
            throw new RpcException(RpcStatus.CannotBind,
                $"no instance of program {Program} version {Version} resolved yet; await WhenResolvedAsync before synchronous calls");
        }
        List<InstanceNode>? tried = null;
        RpcException? last = null;
        for (int attempt = 0; attempt <= _options.MaxFailovers; attempt++)
        {
            if (Pick(nodes, tried) is not { } node)
            {
                break;
            }
            RpcClient client;
            try
            {
                client = node.Client ?? node.Connect(cancellationToken);
            }
            catch (RpcException e) when (IsInstanceFailure(e))
            {
                last = Skip(node, e, procedure, ref tried);
                continue;
            }
            node.Enter();
            try
            {
                return client.Call<TArgs, TResult>(procedure, arguments, options, cancellationToken);
            }
            catch (RpcException e) when (IsInstanceFailure(e))
            {
                last = AfterSent(node, e, procedure, ref tried);
            }
            catch (ObjectDisposedException e) when (!_stop.IsCancellationRequested)
            {
                last = Dropped(node, e, procedure, ref tried);
            }
            finally
            {
                node.Leave();
            }
        }
        throw NoInstanceLeft(procedure, last);
    }

    /// <inheritdoc />
    public override async ValueTask SendOneWayAsync<TArgs>(
        RpcProcedureDescriptor procedure, TArgs arguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        // Once handed to a socket a one-way call is never sent again (it runs once or not at
        // all): a failure after the send is not at-least-once, so AfterSent does not move it.
        await WithFailoverAsync(procedure with { Semantics = RpcCallSemantics.Maybe }, static async (client, state, ct) =>
        {
            await client.SendOneWayAsync(state.procedure, state.arguments, ct).ConfigureAwait(false);
            return true;
        }, (procedure, arguments), cancellationToken).ConfigureAwait(false);
    }

    private InstanceNode? Pick(InstanceNode[] nodes, List<InstanceNode>? tried)
    {
        if (_healthTimer is null)
        {
            RestoreExpired(nodes);
        }
        // The latest view, if the watch replaced it since the call began.
        InstanceNode[] current = Volatile.Read(ref _nodes);
        return InstancePicker.Pick(current.Length > 0 ? current : nodes, _options.Policy, ref _roundRobin, tried);
    }

    /// <summary>Nothing was sent: eject the instance and move on.</summary>
    private RpcException Skip(InstanceNode node, RpcException e, RpcProcedureDescriptor procedure, ref List<InstanceNode>? tried)
    {
        OnFailure(node, e);
        BindingLog.FailedOver(_logger, procedure.DisplayName, node.Instance.Id, e.Status);
        (tried ??= []).Add(node);
        return e;
    }

    /// <summary>The call went out and the instance failed: move on if the call may run twice,
    /// otherwise tell the caller it may have run.</summary>
    private RpcException AfterSent(InstanceNode node, RpcException e, RpcProcedureDescriptor procedure, ref List<InstanceNode>? tried)
    {
        OnFailure(node, e);
        if (procedure.Semantics != RpcCallSemantics.AtLeastOnce)
        {
            throw new RpcException(e.Status,
                $"{procedure.DisplayName} ({procedure.Semantics}) failed on instance {node.Instance.Id} at {node.EndPoint} after it was sent, " +
                $"so it may have executed there; not retried on another instance: {e.Message}", e);
        }
        return Skip(node, e, procedure, ref tried);
    }

    /// <summary>The node's client was closed under the call (the instance was ejected by another
    /// call or a probe, or left the view). An at-most-once call may have been sent and then met
    /// the closed client while resending with its xid, so it counts as sent: moved only when
    /// at-least-once.</summary>
    private RpcException Dropped(InstanceNode node, ObjectDisposedException e, RpcProcedureDescriptor procedure, ref List<InstanceNode>? tried) =>
        AfterSent(node, new RpcException(RpcStatus.ConnectionLost,
            $"the connection to instance {node.Instance.Id} was closed while the call was outstanding", e), procedure, ref tried);

    private RpcException NoInstanceLeft(RpcProcedureDescriptor procedure, RpcException? last) =>
        last is null
            ? new RpcException(RpcStatus.CannotBind, $"no instance of program {Program} version {Version} to call {procedure.DisplayName} on")
            : new RpcException(last.Status, $"{procedure.DisplayName} failed on every instance tried: {last.Message}", last);

    private async Task<InstanceNode[]> FirstViewAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_clientOptions.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            await _firstView.Task.WaitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(RpcStatus.CannotBind,
                $"the resolver gave no view of program {Program} version {Version} in {_clientOptions.Timeout}");
        }
        return Volatile.Read(ref _nodes);
    }
}
