using OncRpc.Protocol;

namespace OncRpc.Server.Internal;

/// <summary>
/// Finds the procedure (RFC 5531 §9: PROG_UNAVAIL, PROG_MISMATCH with the registered low/high,
/// PROC_UNAVAIL; procedure 0 of any registered version answers void) and runs it: argument
/// decoding, handler, result encoding (see <see cref="RpcProcedureEntry.InvokeAsync"/>).
/// </summary>
internal sealed class DispatchStage(RpcDispatcher dispatcher, RpcServerRuntime runtime) : RpcCallStage
{
    public override ValueTask InvokeAsync(RpcCall call)
    {
        DispatchLookup lookup = dispatcher.Lookup(call.Program, call.Version, call.Procedure,
            out RpcProcedureEntry? entry, out uint low, out uint high);
        switch (lookup)
        {
            case DispatchLookup.Found:
                call.Descriptor = entry!.Descriptor;
                return entry.InvokeAsync(call, runtime);
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
