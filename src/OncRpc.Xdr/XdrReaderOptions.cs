namespace OncRpc.Xdr;

/// <summary>Decoding choices for <see cref="XdrReader"/>.</summary>
public readonly record struct XdrReaderOptions
{
    /// <summary>
    /// RFC 4506 §3 says padding bytes are zero, but libtirpc's decoder skips them unread. By
    /// default we do the same (lenient), so anything the C reference accepts we accept; with
    /// <c>StrictPadding</c> a non-zero padding byte throws <see cref="XdrException"/>, which makes
    /// every accepted input the canonical encoding of its value.
    /// </summary>
    public bool StrictPadding { get; init; }

    /// <summary>How <c>string</c> bytes become .NET text. Default UTF-8, strict.</summary>
    public XdrStringEncoding StringEncoding { get; init; }

    /// <summary>Lenient padding, strict UTF-8.</summary>
    public static XdrReaderOptions Default => default;

    /// <summary>Strict padding, strict UTF-8.</summary>
    public static XdrReaderOptions Strict => new() { StrictPadding = true };
}
