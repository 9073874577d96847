using OncRpc.Protocol;

namespace OncRpc.Server.Internal;

/// <summary>
/// Finds the procedure (RFC 5531 §9: PROG_UNAVAIL, PROG_MISMATCH with the registered low/high,
/// PROC_UNAVAIL; procedure 0 of any registered version answers void) before the stages that
/// depend on how it runs (semantics, orphans); <see cref="InvokeStage"/> runs it.
/// </summary>
internal sealed class LookupStage(RpcDispatcher dispatcher) : RpcCallStage
{
    public override ValueTask InvokeAsync(RpcCall call)
    {
        DispatchLookup lookup = dispatcher.Lookup(call.Program, call.Version, call.Procedure,
            out RpcProcedureEntry? entry, out uint low, out uint high);
        switch (lookup)
        {
            case DispatchLookup.Found:
                call.Entry = entry;
                call.Descriptor = entry!.Descriptor;
                return NextAsync(call);
            case DispatchLookup.ProgramMismatch:
                call.ReplyAccepted(AcceptStat.ProgramMismatch, low, high);
                break;
            case DispatchLookup.ProcedureUnavailable:
                call.ReplyAccepted(AcceptStat.ProcedureUnavailable);
                break;
            default:
                call.ReplyAccepted(AcceptStat.ProgramUnavailable);
                break;
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary>Runs the procedure found by <see cref="LookupStage"/>: argument decoding, handler,
/// result encoding (see <see cref="RpcProcedureEntry.InvokeAsync"/>). The last stage.</summary>
internal sealed class InvokeStage(RpcServerRuntime runtime) : RpcCallStage
{
    public override ValueTask InvokeAsync(RpcCall call) => call.Entry!.InvokeAsync(call, runtime);
}
