using System.Buffers;

namespace OncRpc.Auth;

/// <summary>
/// Transforms one call's arguments and results for a flavor that protects them (RPCSEC_GSS
/// integrity or privacy, RFC 2203 §5.3.2): the server unprotects the arguments right after
/// authentication, before any decoding, and protects the encoded results before they are sent.
/// Returned by an <see cref="IRpcAuthFlavorHandler"/> in <see cref="RpcAuthFlavorResult.Protection"/>.
/// </summary>
public interface IRpcMessageProtection
{
    /// <summary>Writes the plain arguments of <paramref name="protectedArguments"/> to
    /// <paramref name="arguments"/>. False when they fail the check (a bad checksum, data that
    /// does not unwrap, a wrong sequence number): the call is answered GARBAGE_ARGS and its
    /// procedure never runs (RFC 2203 §5.3.3.4).</summary>
    bool TryUnprotectArguments(ReadOnlySpan<byte> protectedArguments, IBufferWriter<byte> arguments);

    /// <summary>Writes <paramref name="results"/>, protected, to <paramref name="output"/>.</summary>
    void ProtectResults(ReadOnlySpan<byte> results, IBufferWriter<byte> output);
}
