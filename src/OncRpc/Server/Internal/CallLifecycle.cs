using System.Buffers;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using OncRpc.Diagnostics;
using OncRpc.Diagnostics.Internal;
using OncRpc.Internal;
using OncRpc.Protocol;

namespace OncRpc.Server.Internal;

/// <summary>
/// The one lifecycle of a server call, for every transport and both I/O models:
/// <see cref="Begin(ICallSite, RpcTransportKind, int, CancellationToken, EndPoint?, long, long)"/> (rent the
/// call, count it in flight), the site copies the request in, <see cref="Run"/> (the pipeline:
/// header, auth, lookup, orphans, semantics, invoke), the reply (sent by the site inline when the
/// pipeline completed synchronously, else by <see cref="ICallSite.SendLateReplyAsync"/> from
/// here), <see cref="End"/> (return the call, count it out). Invariant: every call that begins
/// ends exactly once, after its reply (if any) was handed to the site; a call concern (limits,
/// semantics, orphans, deadlines, telemetry) is written here or in a pipeline stage, never in a
/// transport.
/// </summary>
internal sealed class CallLifecycle : IDisposable
{
    private const int MaxPooledCalls = 1024;
    private const long MaxPooledBytes = 64L * 1024 * 1024;

    private readonly BoundedPool<RpcCall> _pool = new(MaxPooledCalls, MaxPooledBytes, static c => c.RetainedBytes);
    private readonly RpcCallPipeline _pipeline;
    private readonly ILogger _logger;

    private readonly RpcServerRuntime _runtime;

    public CallLifecycle(RpcServerRuntime runtime, RpcCallPipeline pipeline, ILogger logger)
    {
        _runtime = runtime;
        _pipeline = pipeline;
        _logger = logger;
    }

    /// <summary>Rents a call for <paramref name="site"/> and counts it in flight there; the site
    /// then copies the request in (<see cref="RpcCall.SetRequest(ReadOnlySpan{byte})"/>).
    /// <paramref name="firstByte"/>: when the site saw the request's first byte, 0 when phase
    /// timing is off (<see cref="ServerPhases.Timestamp"/>); <paramref name="complete"/>: when it
    /// saw the last, 0 for now (anything between then and the pipeline's start is the queue phase).</summary>
    public RpcCall Begin(ICallSite site, RpcTransportKind transport, int replyPrefix, CancellationToken cancellationToken,
        EndPoint? remoteEndPoint, long firstByte, long complete = 0)
    {
        if (!_pool.TryRent(out RpcCall call))
        {
            call = new RpcCall();
        }
        call.Site = site;
        call.Transport = transport;
        call.ReplyPrefix = replyPrefix;
        call.CancellationToken = cancellationToken;
        call.RemoteEndPoint = remoteEndPoint;
        call.Phases.Begin(firstByte, ServerPhases.ReadStart);
        if (call.Phases.On)
        {
            call.Phases.Set(ServerPhases.RecordComplete, complete != 0 ? complete : Stopwatch.GetTimestamp());
        }
        site.InFlight.Increment();
        return call;
    }

    /// <summary>Begins a call from a record of a stream transport.</summary>
    public RpcCall Begin(ICallSite site, RpcTransportKind transport, in ReadOnlySequence<byte> record,
        CancellationToken cancellationToken, EndPoint? remoteEndPoint, long firstByte, long complete = 0)
    {
        RpcCall call = Begin(site, transport, Transport.RecordMarking.HeaderSize, cancellationToken, remoteEndPoint, firstByte, complete);
        // The record may be a slice of a buffer the transport reuses: the call gets its own copy.
        call.SetRequest(record);
        return call;
    }

    /// <summary>Runs the call. True: it completed synchronously, and the site sends the reply its
    /// own way (batched with others) and then calls <see cref="End"/>. False: it went
    /// asynchronous, and this lifecycle sends the reply through the site and ends it.</summary>
    public bool Run(RpcCall call)
    {
        ValueTask processing = Process(call);
        if (processing.IsCompletedSuccessfully)
        {
            return true;
        }
        _ = FinishLateAsync(processing, call);
        return false;
    }

    private async Task FinishLateAsync(ValueTask processing, RpcCall call)
    {
        try
        {
            await processing.ConfigureAwait(false);
            if (call.HasReply)
            {
                await call.Site!.SendLateReplyAsync(call).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            ServerLog.SendFailed(_logger, e, call.RemoteEndPoint);
        }
        finally
        {
            End(call);
        }
    }

    /// <summary>The call is over: back to the pool, out of the site's count.</summary>
    public void End(RpcCall call)
    {
        ICallSite site = call.Site!;
        ServerPhases.End(call);
        if (!call.Reset() || !_pool.Return(call))
        {
            call.Release();
        }
        site.InFlight.Decrement(_runtime.NowMs);
        site.OnCallEnded();
    }

    /// <summary>A UDP reply: one datagram of at most <paramref name="maxDatagram"/> bytes. A
    /// larger reply becomes SYSTEM_ERR, so the client learns at once instead of retransmitting
    /// into its timeout.</summary>
    public ReadOnlyMemory<byte> FinishDatagram(RpcCall call, int maxDatagram)
    {
        if (call.Reply.WrittenCount > maxDatagram)
        {
            ServerLog.UdpReplyTooLarge(_logger, call.Reply.WrittenCount, call.RemoteEndPoint, maxDatagram);
            call.ReplyAccepted(AcceptStat.SystemError);
        }
        return call.FinishDatagram();
    }

    /// <summary>Runs the pipeline and records telemetry. Never throws: an unexpected failure
    /// becomes SYSTEM_ERR when the call has an xid, a drop otherwise.</summary>
    internal ValueTask Process(RpcCall call)
    {
        // The start is read only for someone: the duration metric or the phases (a clock read
        // is a measurable part of a NULL call's CPU on a busy server).
        if (call.Phases.On || ServerTelemetry.MetricsEnabled)
        {
            call.StartTimestamp = Stopwatch.GetTimestamp();
            call.Phases.Set(ServerPhases.PipelineStart, call.StartTimestamp);
        }
        else
        {
            call.StartTimestamp = 0;
        }
        ValueTask pending;
        try
        {
            pending = _pipeline.InvokeAsync(call);
        }
        catch (Exception e)
        {
            OnPipelineFailed(call, e);
            Complete(call);
            return ValueTask.CompletedTask;
        }
        if (pending.IsCompletedSuccessfully)
        {
            Complete(call);
            return ValueTask.CompletedTask;
        }
        return AwaitPipelineAsync(pending, call);
    }

    private async ValueTask AwaitPipelineAsync(ValueTask pending, RpcCall call)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            OnPipelineFailed(call, e);
        }
        Complete(call);
    }

    private void OnPipelineFailed(RpcCall call, Exception e)
    {
        if (_logger.IsEnabled(LogLevel.Error))
        {
            // A stage failed, so the call may not have reached its descriptor: name what is known.
            RpcProcedureDescriptor descriptor = call.Descriptor ?? new RpcProcedureDescriptor(call.Program, call.Version, call.Procedure);
            ServerLog.HandlerFailed(_logger, e, LogNames.Procedure(descriptor), LogNames.Program(descriptor), LogNames.Version(descriptor), call.Xid);
        }
        if (call.HasXid)
        {
            call.ReplyAccepted(AcceptStat.SystemError);
        }
        else
        {
            call.Drop();
        }
    }

    private static void Complete(RpcCall call)
    {
        call.EndContext();
        call.Phases.Mark(ServerPhases.PipelineDone);
        // A call that began before a listener came has no start: it is not counted.
        if (call.StartTimestamp != 0 && ServerTelemetry.MetricsEnabled)
        {
            ServerTelemetry.RecordCall(call.Program, call.Version, call.Procedure, call.Descriptor, call.Outcome.ToTagValue(),
                call.Outcome is not (CallOutcome.Success or CallOutcome.Replayed), call.StartTimestamp);
        }
    }

    public void Dispose()
    {
        foreach (RpcCall call in _pool.Drain())
        {
            call.Release();
        }
    }
}
