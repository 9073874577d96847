using System.Buffers;
using System.Threading.Tasks.Sources;
using OncRpc.Auth;
using OncRpc.Internal;
using OncRpc.Protocol;
using OncRpc.Transport.Internal;
using OncRpc.Xdr;

namespace OncRpc.Client.Internal;

/// <summary>
/// A call waiting for its reply, keyed by xid in a <see cref="PendingCallTable"/>. Whoever
/// removes the call from the table (the read loop, the timeout scanner, the cancellation callback,
/// the connection's shutdown) is the only one that completes it, so completion needs no lock.
/// </summary>
internal abstract class PendingCall : ILoopWork
{
    private CancellationTokenRegistration _cancellation;

    public uint Xid;
    public RpcProcedureDescriptor? Procedure;
    public RpcCredentials? Credentials;
    public OpaqueAuth CredentialSent;
    public PendingCallTable? Table;

    /// <summary>Set by the event loop's reader for the reply it is about to hand over: an async
    /// call's outcome is then held by that reader's role (<see cref="ReaderRole.Hold"/>) instead
    /// of being published at once.</summary>
    public ReaderRole? DeferTo;

    /// <summary>Phase boundaries, when this call is timed (<see cref="ClientPhases"/>).</summary>
    public Diagnostics.Internal.PhaseStamps Phases;

    /// <summary>When the call times out, in <see cref="ClientClock"/> milliseconds; long.MaxValue
    /// for never. Set by the client before the call is added (<see cref="CallAttempt"/>).</summary>
    public long DeadlineTicks = long.MaxValue;

    /// <summary>The timeout the deadline came from (for the error message).</summary>
    public TimeSpan Timeout;

    // Synchronous callers block on this event instead of awaiting; created on first sync use and
    // kept while the object is pooled. _signaled turns 1 only after the event is set, so a caller
    // that sees it may recycle the object: the completing thread touches nothing afterwards.
    private ManualResetEventSlim? _event;
    private volatile bool _sync;
    private int _signaled;

    /// <summary>UDP: the datagram, kept for retransmission (the timer copies it under the table's
    /// lock, where the call is still pending); back to the pool once the outcome is taken.</summary>
    public PooledBufferWriter? Datagram;
    public long NextRetransmitTicks = long.MaxValue;
    public long RetransmitIntervalMs;

    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((PendingCall)state!).OnCanceled(token), this);
        }
    }

    /// <summary>Marks the call as awaited by a blocked thread (<see cref="WaitSignaled"/>) rather than by an awaiter.</summary>
    public void MakeSync()
    {
        _event ??= new ManualResetEventSlim(false, spinCount: 0);
        _sync = true;
    }

    /// <summary>True once a sync call has its outcome and the completing thread is done with it.</summary>
    public bool IsSignaled => Volatile.Read(ref _signaled) != 0;

    /// <summary>Blocks up to <paramref name="milliseconds"/> for the outcome of a sync call.</summary>
    public bool WaitSignaled(int milliseconds)
    {
        if (IsSignaled)
        {
            return true;
        }
        _event!.Wait(milliseconds);
        return IsSignaled;
    }

    /// <summary>Read before the outcome is stored: once an async call's outcome is in, its awaiter
    /// may recycle the object into a new sync call, whose flag must not be mistaken for ours.</summary>
    protected bool IsSync => _sync;

    /// <summary>Called after the outcome of a sync call is stored: wakes the blocked caller.</summary>
    protected void Signal()
    {
        _event!.Set();
        Volatile.Write(ref _signaled, 1);
    }

    private void OnCanceled(CancellationToken token)
    {
        if (Table!.TryRemove(this))
        {
            Fail(new OperationCanceledException(token));
        }
    }

    /// <summary>Completes the call from a reply record; <paramref name="reader"/> is past xid and msg_type.</summary>
    public abstract void OnReply(in ReadOnlySequence<byte> record, ref XdrReader reader);

    /// <summary>Completes the call with an error.</summary>
    public void Fail(Exception exception) => SetException(exception);

    protected abstract void SetException(Exception exception);

    /// <summary>Publishes an outcome held for the event loop (see PendingCall{T}).</summary>
    public abstract void Publish(bool inline);

    void ILoopWork.Execute(bool inline) => Publish(inline);

    /// <summary>Drops the cancellation registration without waiting for a running callback.</summary>
    protected void Unregister() => _cancellation.Unregister();

    /// <summary>Drops the cancellation registration, waiting for a running callback to finish, and
    /// clears the per-call state, so the object can serve another call.</summary>
    protected void ResetForReuse()
    {
        _cancellation.Dispose();
        _cancellation = default;
        Xid = 0;
        Procedure = null;
        Credentials = null;
        CredentialSent = default;
        Table = null;
        DeferTo = null;
        DeadlineTicks = long.MaxValue;
        Timeout = default;
        if (Datagram is { } datagram)
        {
            // The call left the table before it completed, so the timer no longer reads it.
            Datagram = null;
            BufferPool.Return(datagram);
        }
        NextRetransmitTicks = long.MaxValue;
        RetransmitIntervalMs = 0;
        _sync = false;
        _event?.Reset();
        Volatile.Write(ref _signaled, 0);
    }
}

/// <summary>A pending call producing <typeparamref name="T"/>, awaited through <see cref="IValueTaskSource{T}"/>.
/// <para>Its awaiter's continuation runs on the thread pool, except when the client's event loop
/// read the reply (<see cref="PendingCall.DeferTo"/>): the outcome is then held and published
/// once the loop no longer needs its thread for reading (<see cref="Publish"/>), inline there when
/// the loop says so, so an awaited call costs one wake-up, as a blocking one does.</para></summary>
internal abstract class PendingCall<T> : PendingCall, IValueTaskSource<T>
{
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
    private T _heldResult = default!;
    private Exception? _heldException;

    public ValueTask<T> AsValueTask() => new(this, _core.Version);

    protected void SetResult(T result)
    {
        Phases.Mark(ClientPhases.Decoded);
        if (TryHold())
        {
            _heldResult = result;
            return;
        }
        // No continuation is ever registered on a sync call, so nothing user-supplied runs here.
        bool sync = IsSync;
        _core.SetResult(result);
        if (sync)
        {
            Signal();
        }
    }

    protected override void SetException(Exception exception)
    {
        Phases.Mark(ClientPhases.Decoded);
        if (TryHold())
        {
            _heldException = exception;
            return;
        }
        bool sync = IsSync;
        _core.SetException(exception);
        if (sync)
        {
            Signal();
        }
    }

    /// <summary>An async call completed by the event loop's reader is held for <see cref="Publish"/>.</summary>
    private bool TryHold()
    {
        ReaderRole? role = DeferTo;
        DeferTo = null;
        if (role is null || IsSync)
        {
            return false;
        }
        role.Hold(this);
        return true;
    }

    /// <summary>Completes the awaiter with the held outcome: its continuation runs on this thread
    /// when <paramref name="inline"/>, otherwise on the thread pool. Nothing of the call is touched
    /// afterwards (the continuation may have recycled it).</summary>
    public override void Publish(bool inline)
    {
        T result = _heldResult;
        Exception? exception = _heldException;
        _heldResult = default!;
        _heldException = null;
        _core.RunContinuationsAsynchronously = !inline;
        if (exception is not null)
        {
            _core.SetException(exception);
        }
        else
        {
            _core.SetResult(result);
        }
    }

    /// <summary>The outcome of a completed sync call (throws its exception); recycles the call.</summary>
    public T GetResultSync() => GetResult(_core.Version);

    public T GetResult(short token)
    {
        try
        {
            ClientPhases.Complete(this);
            return _core.GetResult(token);
        }
        finally
        {
            OnConsumed();
        }
    }

    /// <summary>The awaiter has taken the outcome: nothing references the call any more (it left
    /// the table before completing), so it may be recycled.</summary>
    protected virtual void OnConsumed() => Unregister();

    protected void ResetCore()
    {
        _core.Reset();
        _core.RunContinuationsAsynchronously = true;
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Reads the reply header; returns false (having failed the call) unless it is SUCCESS.</summary>
    protected bool ReadAcceptedHeader(ref XdrReader reader)
    {
        RpcReplyHeader header;
        try
        {
            header = RpcReplyHeader.ReadBody(ref reader, Xid);
        }
        catch (XdrException e)
        {
            Fail(new RpcException(RpcStatus.CannotDecodeReply, $"malformed reply header for xid {Xid}: {e.Message}", e));
            return false;
        }
        RpcProcedureDescriptor procedure = Procedure!;
        RpcException? error = header.ToException(procedure);
        if (error is not null)
        {
            Fail(error);
            return false;
        }
        // A flavor that signs replies (RPCSEC_GSS) must also see a reply without a verifier, to refuse it.
        if (Credentials is not null && (header.Verifier.Flavor != AuthFlavor.None || Credentials.Flavor != AuthFlavor.None))
        {
            try
            {
                Credentials.OnReplyVerifier(CredentialSent, header.Verifier);
            }
            catch (Exception e)
            {
                // A credentials provider that refuses the verifier refuses the reply (AUTH_INVALIDRESP).
                Fail(new RpcException(RpcStatus.CannotDecodeReply, $"the reply verifier for xid {Xid} was refused: {e.Message}", e));
                return false;
            }
        }
        return true;
    }
}

/// <summary>A call whose results decode as <typeparamref name="TResult"/>.</summary>
internal sealed class TypedPendingCall<TResult> : PendingCall<TResult>
    where TResult : IXdrSerializable<TResult>
{
    // Pooled per result type: a call object is reused once its awaiter has read the outcome.
    private static readonly BoundedPool<TypedPendingCall<TResult>> s_pool = new(maxCount: 1024);

    private TypedPendingCall()
    {
    }

    // The call this thread consumed last is rented first (ThreadSpare).
    public static TypedPendingCall<TResult> Rent() =>
        ThreadSpare<TypedPendingCall<TResult>>.TryTake(out TypedPendingCall<TResult>? spare) ? spare
        : s_pool.TryRent(out TypedPendingCall<TResult> call) ? call : new TypedPendingCall<TResult>();

    protected override void OnConsumed()
    {
        ResetForReuse();
        ResetCore();
        if (!ThreadSpare<TypedPendingCall<TResult>>.TryKeep(this))
        {
            s_pool.Return(this);
        }
    }

    public override void OnReply(in ReadOnlySequence<byte> record, ref XdrReader reader)
    {
        if (!ReadAcceptedHeader(ref reader))
        {
            return;
        }
        TResult result;
        try
        {
            // Trailing bytes after the results are ignored, as libtirpc does.
            result = Credentials is { ProtectsMessages: true } ? ReadProtected(record, ref reader) : TResult.ReadFrom(ref reader);
        }
        catch (Exception e)
        {
            // XdrException normally; anything a hand-written ReadFrom throws must not escape into
            // the read loop, or this call (already out of the table) would never complete.
            Fail(new RpcException(RpcStatus.CannotDecodeReply,
                $"could not decode the results of procedure {Procedure!.DisplayName}: {e.Message}", e));
            return;
        }
        SetResult(result);
    }

    /// <summary>Unprotects the results (RPCSEC_GSS integrity or privacy) and decodes them; the
    /// credentials throw when the protection does not check out.</summary>
    private TResult ReadProtected(in ReadOnlySequence<byte> record, ref XdrReader reader)
    {
        ReadOnlySequence<byte> rest = record.Slice(reader.Position);
        ReadOnlySpan<byte> wire = rest.IsSingleSegment ? rest.FirstSpan : rest.ToArray();
        Transport.Internal.PooledBufferWriter plain = Transport.Internal.BufferPool.Rent();
        try
        {
            Credentials!.UnprotectResults(CredentialSent, wire, plain);
            var inner = new XdrReader(plain.WrittenSpan);
            return TResult.ReadFrom(ref inner);
        }
        finally
        {
            Transport.Internal.BufferPool.Return(plain);
        }
    }
}

/// <summary>A call sent as hand-built bytes: completes with the whole reply record, whatever it says.</summary>
internal sealed class RawPendingCall : PendingCall<ReadOnlyMemory<byte>>
{
    public override void OnReply(in ReadOnlySequence<byte> record, ref XdrReader reader) => SetResult(record.ToArray());
}
