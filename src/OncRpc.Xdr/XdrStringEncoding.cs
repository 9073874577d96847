namespace OncRpc.Xdr;

/// <summary>
/// How XDR <c>string</c> bytes (RFC 4506 §4.11: bytes on the wire, no encoding stated) map to .NET text.
/// </summary>
public enum XdrStringEncoding
{
    /// <summary>UTF-8. Reading invalid UTF-8 (overlong forms, encoded surrogates, truncated
    /// sequences, code points over U+10FFFF) throws <see cref="XdrException"/>; nothing is replaced
    /// silently. Writing a string with a lone surrogate throws <see cref="ArgumentException"/>.</summary>
    Utf8 = 0,

    /// <summary>UTF-8, with invalid sequences read as U+FFFD. Lossy: use only for display.
    /// Writing is the same as <see cref="Utf8"/> (a lone surrogate throws).</summary>
    Utf8Lenient,

    /// <summary>7-bit ASCII. A byte over 0x7F on read throws <see cref="XdrException"/>;
    /// a char over U+007F on write throws <see cref="ArgumentException"/>.</summary>
    Ascii,

    /// <summary>ISO-8859-1: every byte is one char, so any bytes round-trip losslessly.
    /// A char over U+00FF on write throws <see cref="ArgumentException"/>.</summary>
    Latin1,
}
