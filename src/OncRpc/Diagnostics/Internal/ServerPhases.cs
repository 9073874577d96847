using System.Diagnostics;
using System.Diagnostics.Metrics;
using OncRpc.Server.Internal;

namespace OncRpc.Diagnostics.Internal;

/// <summary>
/// Where a server call's time goes (docs/observability.md, "Phases"). On only while someone listens
/// to <c>onc_rpc.server.call.phase.duration</c> of the meter <see cref="RpcServerDiagnostics.PhasesMeterName"/>,
/// a meter of its own so that subscribing to the server's usual metrics does not turn it on. The
/// boundaries, in the order a call crosses them: the site sees the record's first byte
/// (<see cref="ReadStart"/>) and its last (<see cref="RecordComplete"/>); the lifecycle starts the
/// pipeline; the header and auth stages finish; the procedure entry starts and finishes decoding
/// the arguments, runs the handler, encodes the reply; the lifecycle finishes the pipeline (the
/// stages around the handler, such as the duplicate-request cache recording the reply, count as
/// cache) and ends the call once the site has sent the reply.
/// </summary>
internal static class ServerPhases
{
    public const int ReadStart = 0;
    public const int RecordComplete = 1;
    public const int PipelineStart = 2;
    public const int HeaderDone = 3;
    public const int AuthDone = 4;
    public const int DecodeStart = 5;
    public const int DecodeDone = 6;
    public const int HandlerDone = 7;
    public const int EncodeDone = 8;
    public const int PipelineDone = 9;
    public const int Sent = 10;

    /// <summary>The phases, as the <c>onc_rpc.phase</c> tag names them, in call order.</summary>
    public static readonly string[] Names = ["read", "queue", "header", "auth", "cache", "decode", "handler", "encode", "send"];

    // The phase each boundary ends (-1: the first boundary ends none).
    private static ReadOnlySpan<sbyte> PhaseOfMark => [-1, 0, 1, 2, 3, 4, 5, 6, 7, 4, 8];

    private static readonly Meter s_meter = new(RpcServerDiagnostics.PhasesMeterName);

    public static readonly Histogram<double> Duration = s_meter.CreateHistogram(
        "onc_rpc.server.call.phase.duration", "s", "Time of each phase of a server call, by onc_rpc.phase", tags: null, PhaseTelemetry.Advice);

    /// <summary>True while phase timing is wanted.</summary>
    public static bool Enabled => Duration.Enabled;

    /// <summary>The clock when phase timing is wanted; 0 (no clock read) otherwise.</summary>
    public static long Timestamp() => Duration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>The span of the handler ends: its events are the phases so far (the send comes
    /// later, on the histogram only).</summary>
    public static void AddEvents(Activity? activity, RpcCall call)
    {
        if (activity is null || !call.Phases.On)
        {
            return;
        }
        Span<long> ticks = stackalloc long[9];
        call.Phases.Split(PhaseOfMark, ticks);
        PhaseTelemetry.AddEvents(activity, Names, ticks);
    }

    /// <summary>The call ends (its reply, if any, handed to the socket): records its phases.</summary>
    public static void End(RpcCall call)
    {
        if (!call.Phases.On)
        {
            return;
        }
        if (call.HasReply)
        {
            call.Phases.Mark(Sent);
        }
        Span<long> ticks = stackalloc long[9];
        call.Phases.Split(PhaseOfMark, ticks);
        PhaseTelemetry.Record(Duration, Names, ticks,
            RpcTelemetryTags.ProcedureTags(call.Program, call.Version, call.Procedure, call.Descriptor));
    }
}
