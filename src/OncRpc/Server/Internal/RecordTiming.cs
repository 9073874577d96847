using System.Diagnostics;
using OncRpc.Diagnostics.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// A stream site's view of when the record being read began to arrive, for the read phase
/// (<see cref="ServerPhases"/>). Invariant: 0 while nothing of a record is buffered (or phase
/// timing is off); otherwise the moment the first of its bytes was seen: the read that brought
/// them, or, for a record already buffered behind another, the moment the one before it
/// completed (so pipelined records are not charged for each other's processing). Off, each method
/// is one check of the listener and no clock read.
/// </summary>
internal struct RecordTiming
{
    private long _firstByte;

    /// <summary>A read brought bytes.</summary>
    public void Arrived()
    {
        if (_firstByte == 0)
        {
            _firstByte = ServerPhases.Timestamp();
        }
    }

    /// <summary>A record is complete: returns when its first byte was seen (0: not timed) and, in
    /// <paramref name="complete"/>, now; what follows it in the buffer counts as seen from now.</summary>
    public long Take(out long complete)
    {
        long first = _firstByte;
        complete = _firstByte = first == 0 ? 0 : Stopwatch.GetTimestamp();
        return first;
    }

    /// <summary>Nothing of a record is buffered any more.</summary>
    public void Idle() => _firstByte = 0;
}
