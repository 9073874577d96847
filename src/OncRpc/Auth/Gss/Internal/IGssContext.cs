using System.Buffers;

namespace OncRpc.Auth.Gss.Internal;

/// <summary>Where a context establishment stands after one step.</summary>
internal enum GssStepStatus
{
    Complete,
    ContinueNeeded,
    Failed,
}

/// <summary>
/// One GSS-API security context, as RPCSEC_GSS uses it: establishment steps, MICs and
/// wrap/unwrap. Implementations are thread-safe (calls on one context are serialized: a GSS
/// context is not safe for concurrent use). The one production implementation is
/// <see cref="NegotiateGssContext"/> (.NET's own GSS-API binding); tests substitute their own.
/// </summary>
internal interface IGssContext : IDisposable
{
    /// <summary>Consumes the peer's token (empty on an initiator's first step) and gives the token to send, if any.</summary>
    GssStepStatus Step(ReadOnlySpan<byte> incoming, out byte[]? outgoing);

    /// <summary>The peer's name once established (the client principal, on an acceptor).</summary>
    string? PeerName { get; }

    /// <summary>GSS_GetMIC over <paramref name="message"/>.</summary>
    void GetMic(ReadOnlySpan<byte> message, IBufferWriter<byte> mic);

    /// <summary>GSS_VerifyMIC; false when the checksum does not match.</summary>
    bool VerifyMic(ReadOnlySpan<byte> message, ReadOnlySpan<byte> mic);

    /// <summary>GSS_Wrap with confidentiality; false when the mechanism could not encrypt.</summary>
    bool Wrap(ReadOnlySpan<byte> input, IBufferWriter<byte> output);

    /// <summary>GSS_Unwrap; false when the token does not check out or was not encrypted.</summary>
    bool TryUnwrap(ReadOnlySpan<byte> input, IBufferWriter<byte> output);
}

/// <summary>Creates GSS contexts: initiators for clients, acceptors for servers.</summary>
internal interface IGssMechanism
{
    IGssContext CreateInitiator(string targetName);

    IGssContext CreateAcceptor();
}
