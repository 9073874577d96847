using System.Numerics;

namespace OncRpc.Xdr;

/// <summary>
/// An IEEE 754 binary128 value (XDR <c>quadruple</c>, RFC 4506 §4.8) kept as its 16 bytes:
/// <see cref="High"/> holds sign, 15-bit exponent and the top 48 fraction bits; <see cref="Low"/>
/// the remaining 64 fraction bits.
/// </summary>
/// <remarks>
/// .NET has no binary128 arithmetic type, so the codec moves the bits untouched and offers exact
/// conversions from <see cref="double"/> and correctly rounded conversions to it:
/// <list type="bullet">
/// <item><see cref="FromDouble"/> is exact for every double: binary128 has a wider exponent range
/// and more fraction bits, so doubles (subnormals included) become normal binary128 values;
/// ±0 and ±infinity keep their sign; a NaN keeps its sign and its 52-bit payload in the top fraction
/// bits (so the quiet bit stays the quiet bit).</item>
/// <item><see cref="ToDouble"/> rounds to nearest, ties to even (IEEE 754 default): values beyond
/// double's range become ±infinity, values below half the smallest subnormal become ±0, and values
/// in the subnormal range round to a subnormal. A NaN keeps its sign and the top 52 bits of its
/// payload; if those bits are all zero (a payload only in the low 60 bits) the quiet bit is set so
/// the result is still a NaN rather than infinity. Double → quadruple → double is the identity,
/// bit for bit, NaN payloads included.</item>
/// </list>
/// </remarks>
public readonly partial record struct XdrQuadruple(ulong High, ulong Low)
{
    private const int ExponentBias = 16383;
    private const int FractionBits = 112;
    private const ulong ExponentMask = 0x7FFF;
    private const int DoubleBias = 1023;
    private const int DoubleFractionBits = 52;
    private const ulong DoubleFractionMask = (1UL << DoubleFractionBits) - 1;
    private static readonly UInt128 s_fractionMask = (UInt128.One << FractionBits) - 1;

    /// <summary>Positive zero.</summary>
    public static XdrQuadruple Zero => default;

    /// <summary>Positive infinity.</summary>
    public static XdrQuadruple PositiveInfinity => new(ExponentMask << 48, 0);

    /// <summary>Negative infinity.</summary>
    public static XdrQuadruple NegativeInfinity => new((1UL << 63) | (ExponentMask << 48), 0);

    /// <summary>The 128 bits as one integer (sign in the top bit).</summary>
    public UInt128 Bits => new(High, Low);

    /// <summary>The sign bit is set (true for -0.0 and for NaNs with the sign bit).</summary>
    public bool IsNegative => (long)High < 0;

    /// <summary>Exponent all ones and a non-zero fraction.</summary>
    public bool IsNaN => BiasedExponent == ExponentMask && Fraction != UInt128.Zero;

    /// <summary>Exponent all ones and a zero fraction.</summary>
    public bool IsInfinity => BiasedExponent == ExponentMask && Fraction == UInt128.Zero;

    private ulong BiasedExponent => (High >> 48) & ExponentMask;

    private UInt128 Fraction => Bits & s_fractionMask;

    /// <summary>Builds a quadruple from its 128 bits.</summary>
    public static XdrQuadruple FromBits(UInt128 bits) => new((ulong)(bits >> 64), (ulong)bits);

    /// <summary>Converts exactly (every double is representable in binary128).</summary>
    public static XdrQuadruple FromDouble(double value)
    {
        ulong bits = (ulong)BitConverter.DoubleToInt64Bits(value);
        UInt128 sign = (UInt128)(bits >> 63) << 127;
        int exponent = (int)((bits >> DoubleFractionBits) & 0x7FF);
        ulong fraction = bits & DoubleFractionMask;
        const int widen = FractionBits - DoubleFractionBits; // 60
        if (exponent == 0x7FF)
        {
            // Infinity or NaN: the payload moves to the top of the wider fraction.
            return FromBits(sign | ((UInt128)ExponentMask << FractionBits) | ((UInt128)fraction << widen));
        }
        if (exponent == 0)
        {
            if (fraction == 0)
            {
                return FromBits(sign);
            }
            // Subnormal double: fraction × 2^-1074. Normalise: its leading bit becomes the implicit 1.
            int leading = 63 - BitOperations.LeadingZeroCount(fraction); // bit index of the leading 1
            int unbiased = -1074 + leading;
            UInt128 significand = (UInt128)fraction << (FractionBits - leading);
            return FromBits(sign | ((UInt128)(uint)(unbiased + ExponentBias) << FractionBits) | (significand & s_fractionMask));
        }
        int quadExponent = exponent - DoubleBias + ExponentBias;
        return FromBits(sign | ((UInt128)(uint)quadExponent << FractionBits) | ((UInt128)fraction << widen));
    }

    /// <summary>Converts with round-to-nearest-even; see the type remarks for NaN, infinity,
    /// overflow and subnormal handling.</summary>
    public double ToDouble()
    {
        ulong sign = High & (1UL << 63);
        int exponent = (int)BiasedExponent;
        UInt128 fraction = Fraction;
        if (exponent == (int)ExponentMask)
        {
            if (fraction == UInt128.Zero)
            {
                return BitConverter.UInt64BitsToDouble(sign | (0x7FFUL << DoubleFractionBits));
            }
            ulong payload = (ulong)(fraction >> (FractionBits - DoubleFractionBits));
            if (payload == 0)
            {
                payload = 1UL << (DoubleFractionBits - 1); // keep it a NaN: set the quiet bit
            }
            return BitConverter.UInt64BitsToDouble(sign | (0x7FFUL << DoubleFractionBits) | payload);
        }

        // value = significand × 2^scale, exactly.
        UInt128 significand;
        int scale;
        if (exponent == 0)
        {
            if (fraction == UInt128.Zero)
            {
                return BitConverter.UInt64BitsToDouble(sign);
            }
            significand = fraction;
            scale = 1 - ExponentBias - FractionBits;
        }
        else
        {
            significand = fraction | (UInt128.One << FractionBits);
            scale = exponent - ExponentBias - FractionBits;
        }
        int length = 128 - (int)UInt128.LeadingZeroCount(significand);
        int top = scale + length - 1; // exponent of the leading 1 bit
        if (top > DoubleBias)
        {
            return BitConverter.UInt64BitsToDouble(sign | (0x7FFUL << DoubleFractionBits));
        }

        // Weight of the result's last bit: 52 below the leading bit, but never under 2^-1074
        // (below the normal range the result is subnormal and loses precision).
        int lsb = Math.Max(top - DoubleFractionBits, -1074);
        int drop = lsb - scale;
        ulong mantissa;
        if (drop <= 0)
        {
            mantissa = (ulong)(significand << -drop);
        }
        else if (drop > length)
        {
            // significand < 2^length <= 2^(drop-1): below half of the last bit, so zero (never a tie).
            return BitConverter.UInt64BitsToDouble(sign);
        }
        else
        {
            mantissa = (ulong)(significand >> drop);
            UInt128 rest = significand & ((UInt128.One << drop) - 1);
            UInt128 half = UInt128.One << (drop - 1);
            if (rest > half || (rest == half && (mantissa & 1) != 0))
            {
                mantissa++;
            }
        }

        // The mantissa carries the implicit bit (2^52) for normal results; adding it to a biased
        // exponent one too small lets a rounding carry (mantissa == 2^53) bump the exponent, up to
        // infinity, and a subnormal rounding up to 2^52 become the smallest normal, for free.
        ulong biasedMinusOne = (ulong)Math.Max(top + DoubleBias - 1, 0);
        return BitConverter.UInt64BitsToDouble(sign | ((biasedMinusOne << DoubleFractionBits) + mantissa));
    }

    /// <summary>Exact widening conversion.</summary>
    public static implicit operator XdrQuadruple(double value) => FromDouble(value);

    /// <summary>Rounding conversion (round to nearest, ties to even).</summary>
    public static explicit operator double(XdrQuadruple value) => value.ToDouble();
}
