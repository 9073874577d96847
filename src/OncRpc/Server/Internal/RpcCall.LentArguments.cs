using OncRpc.Internal;

namespace OncRpc.Server.Internal;

/// <summary>
/// Arguments read where the transport holds them (shared memory: the call's record in the ring),
/// instead of copied into the call first: the call copies only the header (up to
/// <see cref="HeaderCopy"/> bytes, which holds any valid call header), and
/// <see cref="Arguments"/> reads the rest where it lies.
/// <para>Invariant: the lent bytes are read only on the thread that lent them and only while the
/// loan is open, that is during the transport's synchronous run of the call; the transport ends
/// the loan (<see cref="EndArgumentsLoan"/>) before it lets the bytes be reused. A call that went
/// asynchronous gets its own copy of the arguments when the loan ends, and a read on any other
/// thread waits for that copy, so nothing ever reads the lent bytes after they are given back.
/// (Stages read the arguments before their first await, and a span cannot live across one; the
/// copy covers any later read.)</para>
/// <para>The lender's peer may rewrite the lent bytes while they are decoded: the XDR reader
/// takes each length once and checks it against the bytes left, so this is the same as the peer
/// having sent other arguments; the header, which the auth stage and its caches key on, is the
/// call's own copy.</para>
/// </summary>
internal sealed partial class RpcCall
{
    /// <summary>A call header with both opaque_auth bodies at their 400-byte limit (RFC 5531 §8.2)
    /// takes 840 bytes.</summary>
    private const int HeaderCopy = 1024;

    private bool _argumentsLent;                 // for this call's life: Arguments come from the loan or its copy
    private volatile bool _loanOpen;
    private ReadOnlyMemory<byte> _lentRecord;    // while the loan is open
    private int _lentThread;
    private byte[]? _ownedArguments;             // the copy taken when the loan ended, if the call needs it
    private int _ownedArgumentsLength;

    /// <summary>Copies the header of <paramref name="record"/> into the call and lends it the
    /// rest, to be read on this thread until <see cref="EndArgumentsLoan"/>.</summary>
    public void SetRequestLendingArguments(ReadOnlyMemory<byte> record)
    {
        SetRequest(record.Span[..Math.Min(record.Length, HeaderCopy)]);
        _lentRecord = record;
        _lentThread = Environment.CurrentManagedThreadId;
        _argumentsLent = true;
        _loanOpen = true;
    }

    /// <summary>Ends the loan (no-op when none is open). <paramref name="keepArguments"/>: the call
    /// goes on after this (it went asynchronous), so it takes its own copy of the arguments now,
    /// while the lent bytes are still valid.</summary>
    public void EndArgumentsLoan(bool keepArguments)
    {
        if (!_loanOpen)
        {
            return;
        }
        if (keepArguments)
        {
            ReadOnlySpan<byte> arguments = _lentRecord.Span[Math.Min(ArgumentsOffset, _lentRecord.Length)..];
            byte[] owned = BytePool.Rent(Math.Max(arguments.Length, 1));
            arguments.CopyTo(owned);
            _ownedArgumentsLength = arguments.Length;
            Volatile.Write(ref _ownedArguments, owned);
        }
        _loanOpen = false;
        _lentRecord = default;
    }

    private ReadOnlySpan<byte> LentArguments()
    {
        if (_loanOpen && Environment.CurrentManagedThreadId == _lentThread)
        {
            return _lentRecord.Span[Math.Min(ArgumentsOffset, _lentRecord.Length)..];
        }
        // Another thread (the call went asynchronous), or after the loan: the copy, which the
        // lending thread is taking if the loan is still open.
        var spin = new SpinWait();
        while (true)
        {
            bool open = _loanOpen; // before the copy: the copy is published before the loan closes
            if (Volatile.Read(ref _ownedArguments) is { } owned)
            {
                return owned.AsSpan(0, _ownedArgumentsLength);
            }
            if (!open)
            {
                throw new InvalidOperationException("the call's lent arguments were given back without a copy");
            }
            spin.SpinOnce();
        }
    }

    private void ResetLentArguments()
    {
        _argumentsLent = false;
        _loanOpen = false;
        _lentRecord = default;
        if (_ownedArguments is { } owned)
        {
            BytePool.Return(owned);
            _ownedArguments = null;
        }
    }
}
