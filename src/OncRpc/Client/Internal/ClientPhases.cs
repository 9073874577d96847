using System.Diagnostics;
using System.Diagnostics.Metrics;
using OncRpc.Diagnostics;
using OncRpc.Diagnostics.Internal;

namespace OncRpc.Client.Internal;

/// <summary>
/// Where a client call's time goes (docs/observability.md, "Phases"). On only while someone listens
/// to <c>onc_rpc.client.call.phase.duration</c> of the meter <see cref="RpcClientDiagnostics.PhasesMeterName"/>.
/// The boundaries, in the order a call crosses them: the client starts encoding
/// (<see cref="Start"/>) and has the record (<see cref="Encoded"/>); the writer takes it
/// (<see cref="SendStarted"/>) and the socket has it (<see cref="Sent"/>); the reader has the
/// reply record (<see cref="ReplyReceived"/>) and its results decoded (<see cref="Decoded"/>); the
/// caller takes the result (<see cref="Resumed"/>: the awaiting continuation runs, or the blocked
/// thread wakes). Calls that end without a reply (timeouts, cancellation, lost connections) are
/// not recorded.
/// </summary>
internal static class ClientPhases
{
    public const int Start = 0;
    public const int Encoded = 1;
    public const int SendStarted = 2;
    public const int Sent = 3;
    public const int ReplyReceived = 4;
    public const int Decoded = 5;
    public const int Resumed = 6;

    /// <summary>The phases, as the <c>onc_rpc.phase</c> tag names them, in call order.</summary>
    public static readonly string[] Names = ["encode", "wait_to_send", "send", "wait_for_reply", "decode", "resume"];

    private static ReadOnlySpan<sbyte> PhaseOfMark => [-1, 0, 1, 2, 3, 4, 5];

    private static readonly Meter s_meter = new(RpcClientDiagnostics.PhasesMeterName);

    public static readonly Histogram<double> Duration = s_meter.CreateHistogram(
        "onc_rpc.client.call.phase.duration", "s", "Time of each phase of a client call, by onc_rpc.phase", tags: null, PhaseTelemetry.Advice);

    /// <summary>The clock when phase timing is wanted; 0 (no clock read) otherwise.</summary>
    public static long Timestamp() => Duration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>A new call: timed when <paramref name="started"/> (read before encoding) is a
    /// timestamp; its record is encoded by now.</summary>
    public static void Begin(PendingCall call, long started)
    {
        call.Phases.Begin(started, Start);
        call.Phases.Mark(Encoded);
    }

    /// <summary>The record of <paramref name="call"/>, sent on its own, is in the socket: reads the
    /// clock only when the call is timed.</summary>
    public static void MarkSent(PendingCall call)
    {
        if (call.Phases.On)
        {
            MarkSent(call, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>The record of <paramref name="call"/> is in the socket. Not stamped when the
    /// reply has already been read on another thread (the sender was descheduled after its write):
    /// the send then ends where the wait for the reply would have.</summary>
    public static void MarkSent(PendingCall call, long now)
    {
        if (call.Phases.On && call.Phases[ReplyReceived] == 0)
        {
            call.Phases.Set(Sent, now);
        }
    }

    /// <summary>The caller takes the outcome of a timed call: records its phases (as events too, on
    /// the client span current here, if any).</summary>
    public static void Complete(PendingCall call)
    {
        if (!call.Phases.On || call.Phases[ReplyReceived] == 0 || call.Procedure is not { } procedure)
        {
            return;
        }
        call.Phases.Mark(Resumed);
        Span<long> ticks = stackalloc long[6];
        call.Phases.Split(PhaseOfMark, ticks);
        PhaseTelemetry.Record(Duration, Names, ticks,
            RpcTelemetryTags.ProcedureTags(procedure.Program, procedure.Version, procedure.Procedure, procedure));
        if (Activity.Current is { } activity && ReferenceEquals(activity.Source, ClientTelemetry.Source))
        {
            PhaseTelemetry.AddEvents(activity, Names, ticks);
        }
    }
}

/// <summary>
/// The send phase of the records a stream connection's writer takes. Writer role only (one
/// writer at a time). A record's send ends when the write that holds its last byte returns; by
/// then its reply may have come back and the pooled call been reused, so the xid taken with the
/// call is checked before stamping (a late stamp is then dropped, not misplaced: see
/// <see cref="PhaseStamps.Split"/>).
/// </summary>
internal sealed class SendPhaseMarks
{
    private readonly List<(PendingCall Call, uint Xid)> _taken = [];

    /// <summary>The writer takes the record of <paramref name="call"/>.</summary>
    public void Taken(PendingCall? call)
    {
        if (call is { Phases.On: true })
        {
            call.Phases.Mark(ClientPhases.SendStarted);
            _taken.Add((call, call.Xid));
        }
    }

    /// <summary>Every record taken so far is in the socket.</summary>
    public void Sent()
    {
        if (_taken.Count == 0)
        {
            return;
        }
        long now = Stopwatch.GetTimestamp();
        foreach ((PendingCall call, uint xid) in _taken)
        {
            if (call.Xid == xid)
            {
                ClientPhases.MarkSent(call, now);
            }
        }
        _taken.Clear();
    }
}
