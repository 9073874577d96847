using System.Globalization;
using System.Numerics;

namespace OncRpc.Xdr.Tests;

/// <summary>XdrQuadruple (RFC 4506 §4.8): exact widening from double, round-to-nearest-even narrowing.</summary>
public sealed class QuadrupleTests
{
    private static ulong Bits(double d) => BitConverter.DoubleToUInt64Bits(d);

    private static XdrQuadruple Quad(int unbiasedExponent, UInt128 fraction, bool negative = false) =>
        XdrQuadruple.FromBits(((UInt128)(negative ? 1u : 0u) << 127) | ((UInt128)(uint)(unbiasedExponent + 16383) << 112) | fraction);

    [Theory]
    [InlineData(1.0, 0x3fff000000000000UL, 0UL)]
    [InlineData(-2.0, 0xc000000000000000UL, 0UL)]
    [InlineData(0.0, 0UL, 0UL)]
    [InlineData(-0.0, 0x8000000000000000UL, 0UL)]
    [InlineData(double.PositiveInfinity, 0x7fff000000000000UL, 0UL)]
    [InlineData(double.NegativeInfinity, 0xffff000000000000UL, 0UL)]
    [InlineData(double.Epsilon, 0x3bcd000000000000UL, 0UL)] // 2^-1074 is normal in binary128
    [InlineData(1.5, 0x3fff800000000000UL, 0UL)]
    public void FromDoubleIsExact(double value, ulong high, ulong low)
    {
        Assert.Equal(new XdrQuadruple(high, low), XdrQuadruple.FromDouble(value));
        Assert.Equal(Bits(value), Bits(XdrQuadruple.FromDouble(value).ToDouble()));
    }

    [Fact]
    public void SubnormalDoublesNormalise()
    {
        // Largest subnormal: 0x000fffffffffffff = (2^52 - 1) × 2^-1074; leading bit at 2^-1023.
        XdrQuadruple q = XdrQuadruple.FromDouble(BitConverter.UInt64BitsToDouble(0x000fffffffffffffUL));
        Assert.Equal(Quad(-1023, (UInt128)0x7ffffffffffffUL << 61), q);
    }

    [Theory]
    [InlineData(0x7ff8000000000000UL)]
    [InlineData(0x7ff0000000000001UL)] // signaling, lowest payload bit
    [InlineData(0xfff8000000abcdefUL)]
    [InlineData(0x7fffffffffffffffUL)]
    public void NanPayloadSurvivesTheRoundTrip(ulong bits)
    {
        XdrQuadruple q = XdrQuadruple.FromDouble(BitConverter.UInt64BitsToDouble(bits));
        Assert.True(q.IsNaN);
        Assert.Equal(bits >> 63 == 1, q.IsNegative);
        // The payload sits at the top of the fraction, so the quiet bit stays the quiet bit.
        Assert.Equal((bits & 0x000fffffffffffffUL) >> 4, q.High & 0x0000ffffffffffffUL);
        Assert.Equal(bits, Bits(q.ToDouble()));
    }

    [Fact]
    public void NanWithOnlyLowPayloadBitsStaysNan()
    {
        var q = new XdrQuadruple(0x7fff000000000000UL, 1);
        Assert.True(q.IsNaN);
        Assert.Equal(0x7ff8000000000000UL, Bits(q.ToDouble()));
        Assert.Equal(0xfff8000000000000UL, Bits(new XdrQuadruple(0xffff000000000000UL, 1).ToDouble()));
    }

    [Fact]
    public void RoundsToNearestTiesToEven()
    {
        UInt128 one = UInt128.One;
        // 1 + 2^-53 is half an ulp above 1: tie, 1 is even -> 1.
        Assert.Equal(1.0, Quad(0, one << 59).ToDouble());
        // A bit more than half -> up.
        Assert.Equal(Math.BitIncrement(1.0), Quad(0, (one << 59) | 1).ToDouble());
        // A bit less than half -> down.
        Assert.Equal(1.0, Quad(0, (one << 59) - 1).ToDouble());
        // (1 + 2^-52) + 2^-53: tie, odd mantissa -> up to 1 + 2^-51.
        Assert.Equal(1.0 + Math.Pow(2, -51), Quad(0, (one << 60) | (one << 59)).ToDouble());
        // All 112 fraction bits set: rounds up and carries into the exponent -> 2.0.
        Assert.Equal(2.0, Quad(0, (one << 112) - 1).ToDouble());
        Assert.Equal(-2.0, Quad(0, (one << 112) - 1, negative: true).ToDouble());
    }

    [Fact]
    public void OverflowBecomesInfinity()
    {
        UInt128 one = UInt128.One;
        UInt128 maxFraction = ((one << 52) - 1) << 60;
        Assert.Equal(double.MaxValue, Quad(1023, maxFraction).ToDouble());
        // MaxValue + half an ulp is a tie with an odd mantissa: rounds up, carries, becomes +inf.
        Assert.Equal(double.PositiveInfinity, Quad(1023, maxFraction | (one << 59)).ToDouble());
        Assert.Equal(double.MaxValue, Quad(1023, maxFraction | ((one << 59) - 1)).ToDouble());
        Assert.Equal(double.PositiveInfinity, Quad(1024, 0).ToDouble());
        Assert.Equal(double.NegativeInfinity, Quad(16383, 0, negative: true).ToDouble());
        Assert.Equal(double.PositiveInfinity, XdrQuadruple.PositiveInfinity.ToDouble());
        Assert.Equal(double.NegativeInfinity, (double)XdrQuadruple.NegativeInfinity);
    }

    [Fact]
    public void UnderflowRoundsIntoSubnormalsAndZero()
    {
        UInt128 one = UInt128.One;
        Assert.Equal(double.Epsilon, Quad(-1074, 0).ToDouble());
        // 2^-1075 is exactly half the smallest subnormal: tie to even -> +0.
        Assert.Equal(0UL, Bits(Quad(-1075, 0).ToDouble()));
        Assert.Equal(0x8000000000000000UL, Bits(Quad(-1075, 0, negative: true).ToDouble()));
        // Just above half -> smallest subnormal.
        Assert.Equal(double.Epsilon, Quad(-1075, 1).ToDouble());
        // 1.5 × 2^-1074 is a tie between 1 and 2 subnormal ulps -> 2 (even).
        Assert.Equal(2 * double.Epsilon, Quad(-1074, one << 111).ToDouble());
        // Far below: zero. A binary128 subnormal is far below double's range.
        Assert.Equal(0UL, Bits(Quad(-1200, 12345).ToDouble()));
        Assert.Equal(0UL, Bits(XdrQuadruple.FromBits(1).ToDouble()));
        // Largest subnormal double + rounding carry -> smallest normal double.
        Assert.Equal(BitConverter.UInt64BitsToDouble(0x0010000000000000UL), Quad(-1023, (one << 112) - 1).ToDouble());
    }

    [Fact]
    public void RandomDoublesRoundTripBitExactly()
    {
        var random = new Random(4506);
        for (int i = 0; i < 20000; i++)
        {
            ulong bits = (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
            double d = BitConverter.UInt64BitsToDouble(bits);
            Assert.Equal(bits, Bits(XdrQuadruple.FromDouble(d).ToDouble()));
        }
    }

    [Fact]
    public void RandomQuadruplesRoundLikeACorrectlyRoundedParse()
    {
        // Oracle: the exact decimal value of the quadruple, parsed by .NET's IEEE-correct
        // double.Parse, which rounds to nearest even from arbitrarily many digits.
        var random = new Random(128);
        for (int i = 0; i < 3000; i++)
        {
            int exponent = random.Next(-1090, 1030);
            var fraction = new UInt128((ulong)random.NextInt64() & 0x0000ffffffffffffUL, (ulong)random.NextInt64());
            if (i % 3 == 0)
            {
                fraction &= ~((UInt128.One << 59) - 1); // exact ties and near-ties
                fraction |= UInt128.One << 59;
            }
            bool negative = random.Next(2) == 1;
            XdrQuadruple q = Quad(exponent, fraction, negative);
            BigInteger significand = (BigInteger)(fraction | (UInt128.One << 112));
            int scale = exponent - 112;
            string text = scale >= 0
                ? (significand << scale).ToString(CultureInfo.InvariantCulture)
                : (significand * BigInteger.Pow(5, -scale)).ToString(CultureInfo.InvariantCulture) + "E" + scale.ToString(CultureInfo.InvariantCulture);
            double expected = double.Parse((negative ? "-" : "") + text, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.Equal(Bits(expected), Bits(q.ToDouble()));
        }
    }
}
