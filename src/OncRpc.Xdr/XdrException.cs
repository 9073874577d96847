namespace OncRpc.Xdr;

/// <summary>
/// Bytes that do not decode as the expected XDR: a short buffer, a length over its declared
/// maximum or over the bytes left, a bool other than 0 or 1, an undeclared enum value, text
/// invalid under the chosen <see cref="XdrStringEncoding"/>, or non-zero padding in strict mode.
/// </summary>
/// <remarks>
/// <see cref="Offset"/> says where and <see cref="Expectation"/> says what was expected there, so a
/// server can log the cause of a GARBAGE_ARGS without dumping the message.
/// </remarks>
public sealed class XdrException : Exception
{
    public XdrException(string message) : base(message)
    {
        Offset = -1;
        Expectation = message;
    }

    public XdrException(long offset, string message)
        : base(offset >= 0 ? $"XDR offset {offset}: {message}" : message)
    {
        Offset = offset;
        Expectation = message;
    }

    public XdrException(long offset, string message, Exception inner)
        : base(offset >= 0 ? $"XDR offset {offset}: {message}" : message, inner)
    {
        Offset = offset;
        Expectation = message;
    }

    /// <summary>Byte offset from the start of the input at which decoding failed, or -1 when unknown.</summary>
    public long Offset { get; }

    /// <summary>What the decoder expected at <see cref="Offset"/> and what it found, without the
    /// offset prefix that <see cref="Exception.Message"/> carries.</summary>
    public string Expectation { get; }
}
