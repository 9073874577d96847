using OncRpc.Transport.Internal;

namespace OncRpc.Server.Internal;

/// <summary>A transport that can lend a call's reply a region of its output to be encoded in
/// place (shared memory: the free space of the outbound ring).</summary>
internal interface IReplyRegionLender
{
    /// <summary>Lends <paramref name="reply"/> (just reset) a region, or declines (false).</summary>
    bool TryLend(PooledBufferWriter reply);
}

/// <summary>The narrow hook for writing a reply where the transport will send it: the transport
/// offers a region before it runs the call on its own thread; the reply takes it only when it is
/// begun on that same thread (the call's synchronous part), so a reply encoded later on another
/// thread never touches the region.</summary>
internal sealed partial class RpcCall
{
    private IReplyRegionLender? _replyLender;
    private int _replyLenderThread;

    /// <summary>Offers <paramref name="lender"/>'s region to a reply begun on this thread, until
    /// <see cref="WithdrawReplyRegion"/>.</summary>
    public void OfferReplyRegion(IReplyRegionLender lender)
    {
        _replyLenderThread = Environment.CurrentManagedThreadId;
        _replyLender = lender;
    }

    public void WithdrawReplyRegion() => _replyLender = null;

    /// <summary>Called as a reply begins (the writer just reset).</summary>
    private void TakeReplyRegion()
    {
        if (_replyLender is { } lender && _replyLenderThread == Environment.CurrentManagedThreadId)
        {
            lender.TryLend(Reply);
        }
    }
}
