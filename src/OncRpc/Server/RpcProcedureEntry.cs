using System.Diagnostics;
using System.Runtime.CompilerServices;
using OncRpc.Diagnostics;
using OncRpc.Diagnostics.Internal;
using OncRpc.Protocol;
using OncRpc.Server.Internal;
using OncRpc.Xdr;

namespace OncRpc.Server;

/// <summary>One registered procedure, closed over its argument and result types.</summary>
internal abstract class RpcProcedureEntry(RpcProcedureDescriptor descriptor)
{
    public RpcProcedureDescriptor Descriptor { get; } = descriptor;

    // Set under the dispatcher's lock, read by calls without one: a call sees the old or the new
    // value, either of which was valid when it started.
    private volatile StrongBox<RpcCallSemantics>? _semantics;
    private volatile StrongBox<TimeSpan>? _maxExecutionTime;

    /// <summary>The semantics on this server: the registration's, else the descriptor's.</summary>
    public RpcCallSemantics Semantics => _semantics?.Value ?? Descriptor.Semantics;

    /// <summary>How long a call may run before its token fires; null for no limit.</summary>
    public TimeSpan? MaxExecutionTime => _maxExecutionTime?.Value;

    public void Apply(RpcProcedureOptions? options)
    {
        if (options?.Semantics is { } semantics)
        {
            _semantics = new StrongBox<RpcCallSemantics>(semantics);
        }
        if (options?.MaxExecutionTime is { } limit)
        {
            _maxExecutionTime = new StrongBox<TimeSpan>(limit);
        }
    }

    /// <summary>Decodes the arguments (GARBAGE_ARGS when they do not decode or bytes remain),
    /// runs the handler (SYSTEM_ERR when it throws) and encodes the results into the call's
    /// reply. Completes synchronously, without allocating a state machine, when the handler does.</summary>
    public abstract ValueTask InvokeAsync(RpcCall call, RpcServerRuntime runtime);

    /// <summary>Registers this procedure on <paramref name="target"/>, run by an instance of its
    /// service that <paramref name="activate"/> makes for each call (OncRpc.Hosting's per-call
    /// lifetime); the lifetime it returns is disposed when the call's handler completes.</summary>
    internal abstract void RegisterActivated(RpcDispatcher target, Func<(IRpcService Service, IAsyncDisposable Lifetime)> activate);
}

internal sealed class RpcProcedureEntry<TArgs, TResult>(RpcProcedureDescriptor descriptor, RpcHandler<TArgs, TResult> handler)
    : RpcProcedureEntry(descriptor)
    where TArgs : IXdrSerializable<TArgs>
    where TResult : IXdrSerializable<TResult>
{
    public RpcHandler<TArgs, TResult> Handler { get; } = handler;

    internal override void RegisterActivated(RpcDispatcher target, Func<(IRpcService Service, IAsyncDisposable Lifetime)> activate)
    {
        RpcProcedureDescriptor descriptor = Descriptor;
        target.Register<TArgs, TResult>(descriptor, async (arguments, context) =>
        {
            (IRpcService service, IAsyncDisposable lifetime) = activate();
            await using (lifetime.ConfigureAwait(false))
            {
                // Generated handlers close over their instance, so this call's instance registers
                // into a table of its own and its handler for this procedure runs.
                var table = new RpcDispatcher();
                service.Register(table);
                if (table.Find(descriptor) is not RpcProcedureEntry<TArgs, TResult> entry)
                {
                    throw new InvalidOperationException(
                        $"{service.GetType()} did not register procedure {descriptor.DisplayName} of program {descriptor.Program} version {descriptor.Version} with the same types");
                }
                return await entry.Handler(arguments, context).ConfigureAwait(false);
            }
        }, new RpcProcedureOptions { Semantics = Semantics, MaxExecutionTime = MaxExecutionTime });
    }

    public override ValueTask InvokeAsync(RpcCall call, RpcServerRuntime runtime)
    {
        call.Phases.Mark(ServerPhases.DecodeStart);
        TArgs arguments;
        try
        {
            // Every byte must be consumed: trailing bytes mean the caller encoded another type.
            arguments = XdrSerializer.Deserialize<TArgs>(call.Arguments, runtime.ArgumentReaderOptions);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // XdrException normally; anything a generated decoder throws on hostile input is the
            // caller's garbage too, never a server failure.
            runtime.OnGarbageArguments(call, Descriptor, e);
            call.ReplyAccepted(AcceptStat.GarbageArguments);
            return ValueTask.CompletedTask;
        }
        call.Phases.Mark(ServerPhases.DecodeDone);

        RpcCallContext context = call.CreateContext(Descriptor);
        Activity? parent = Activity.Current;
        Activity? activity = ServerTelemetry.StartCall(Descriptor, call.Transport);
        ValueTask<TResult> pending;
        try
        {
            pending = Handler(arguments, context);
        }
        catch (Exception e)
        {
            call.Phases.Mark(ServerPhases.HandlerDone);
            runtime.OnHandlerFailed(call, Descriptor, e, activity);
            ValueOwnership<TArgs, TResult>.Release(arguments, runtime, Descriptor);
            EndSpan(call, activity);
            return ValueTask.CompletedTask;
        }
        if (pending.IsCompletedSuccessfully)
        {
            call.Phases.Mark(ServerPhases.HandlerDone);
            TResult result = pending.Result;
            runtime.WriteResult(call, Descriptor, result, activity);
            ValueOwnership<TArgs, TResult>.Release(arguments, result, runtime, Descriptor);
            EndSpan(call, activity);
            return ValueTask.CompletedTask;
        }
        ValueTask running = AwaitHandlerAsync(pending, arguments, call, runtime, activity);
        if (activity is not null)
        {
            // The span lives on in the awaiting method's context; this (synchronous) caller,
            // the transport's read loop, goes back to its own.
            Activity.Current = parent;
        }
        return running;
    }

    private async ValueTask AwaitHandlerAsync(ValueTask<TResult> pending, TArgs arguments, RpcCall call, RpcServerRuntime runtime, Activity? activity)
    {
        try
        {
            TResult result;
            try
            {
                result = await pending.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                call.Phases.Mark(ServerPhases.HandlerDone);
                runtime.OnHandlerFailed(call, Descriptor, e, activity);
                ValueOwnership<TArgs, TResult>.Release(arguments, runtime, Descriptor);
                return;
            }
            call.Phases.Mark(ServerPhases.HandlerDone);
            runtime.WriteResult(call, Descriptor, result, activity);
            ValueOwnership<TArgs, TResult>.Release(arguments, result, runtime, Descriptor);
        }
        finally
        {
            EndSpan(call, activity);
        }
    }

    /// <summary>The reply is encoded: the encode phase ends, and so does the span (with the
    /// phases so far as its events, when timed).</summary>
    private static void EndSpan(RpcCall call, Activity? activity)
    {
        call.Phases.Mark(ServerPhases.EncodeDone);
        if (activity is not null)
        {
            ServerPhases.AddEvents(activity, call);
            activity.Dispose();
        }
    }
}
