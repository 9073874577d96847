using System.Buffers;
using OncRpc.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// What calls both ways ask of the epoll model (docs/calls-both-ways.md): at the call limit the
/// connection keeps reading, so the replies to its backchannel calls (which the handlers holding
/// the slots may be waiting for) get through; the first call that arrives meanwhile is held (one
/// record, a copy) and reading pauses until a slot frees, when that call runs first.
/// </summary>
internal sealed partial class EpollStreamConnection
{
    // Loop thread only: a call record read at the limit, waiting for a slot.
    private byte[]? _heldCall;
    private int _heldLength;

    private bool HasHeldCall => _heldCall is not null;

    internal override ValueTask SendRecordAsync(ReadOnlyMemory<byte> record)
    {
        Send(record.Span);
        return ValueTask.CompletedTask;
    }

    private void HoldCall(in ReadOnlySequence<byte> record)
    {
        _heldLength = (int)record.Length;
        _heldCall = BytePool.Rent(_heldLength);
        record.CopyTo(_heldCall);
    }

    /// <summary>Runs the held call when a slot is free; false while it must wait.</summary>
    private bool RunHeldCall(OncRpc.Transport.Internal.PooledBufferWriter batch)
    {
        if (_heldCall is not { } held)
        {
            return true;
        }
        if (_inFlight.Count >= _maxCalls)
        {
            return false;
        }
        _heldCall = null;
        try
        {
            RunCall(new ReadOnlySequence<byte>(held, 0, _heldLength), batch);
        }
        finally
        {
            BytePool.Return(held);
        }
        return true;
    }

    private void ReleaseHeldCall()
    {
        if (_heldCall is { } held)
        {
            _heldCall = null;
            BytePool.Return(held);
        }
    }
}
