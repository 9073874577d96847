namespace OncRpc.Xdr;

/// <summary>
/// An IEEE 754 binary128 value (XDR <c>quadruple</c>, RFC 4506 §4.8) kept as its 16 bytes:
/// <see cref="High"/> holds sign, 15-bit exponent and the top 48 fraction bits; <see cref="Low"/>
/// the remaining 64 fraction bits.
/// </summary>
public readonly partial record struct XdrQuadruple(ulong High, ulong Low);
