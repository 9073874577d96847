namespace OncRpc.Xdr;

/// <summary>
/// Bytes that do not decode as the expected XDR: a short buffer, a length over its declared
/// maximum or over the bytes left, a bool other than 0 or 1, an undeclared enum value, text
/// invalid under the chosen <see cref="XdrStringEncoding"/>, or non-zero padding in strict mode.
/// </summary>
public sealed class XdrException : Exception
{
    public XdrException(string message) : base(message) => Offset = -1;

    public XdrException(long offset, string message)
        : base(offset >= 0 ? $"XDR offset {offset}: {message}" : message) => Offset = offset;

    public XdrException(long offset, string message, Exception inner)
        : base(offset >= 0 ? $"XDR offset {offset}: {message}" : message, inner) => Offset = offset;

    /// <summary>Byte offset from the start of the input at which decoding failed, or -1 when unknown.</summary>
    public long Offset { get; }
}
