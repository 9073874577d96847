using System.Buffers;
using System.Globalization;
using System.Text;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests;

/// <summary>
/// A record that arrived in pieces must decode exactly as the contiguous bytes do: the input is
/// split at every offset (and at every pair of offsets), so every primitive straddles a boundary.
/// </summary>
public sealed class SegmentedInputTests
{
    private static readonly byte[] s_everything = XdrTest.Encode((ref XdrWriter w) =>
    {
        w.WriteInt32(int.MinValue);
        w.WriteUInt32(0xdeadbeef);
        w.WriteInt64(-0x0102030405060708);
        w.WriteUInt64(0xfedcba9876543210);
        w.WriteSingle(BitConverter.UInt32BitsToSingle(0x7fc12345));
        w.WriteDouble(-0.0);
        w.WriteQuadruple(new XdrQuadruple(0x0123456789abcdef, 0xfedcba9876543210));
        w.WriteBool(true);
        w.WriteEnum(-3);
        w.WriteFixedOpaque([1, 2, 3, 4, 5]);
        w.WriteOpaque([6, 7, 8, 9, 10, 11, 12]);
        w.WriteString("héllo");
        w.WriteArray<XdrInt>([1, -2, 3]);
        w.WriteOptionalFlag(true);
        w.WriteInt32(99);
        w.WriteOptionalFlag(false);
        w.WriteString("");
        w.WriteOpaque(new byte[9]);
        w.WriteInt32(7);
    });

    /// <summary>Decodes everything, recording each value and the position after it.</summary>
    private static string ReadEverything(ref XdrReader r)
    {
        var log = new StringBuilder();
        void Note(object value, long position) => log.Append(CultureInfo.InvariantCulture, $"{value}@{position};");
        Note(r.ReadInt32(), r.Position);
        Note(r.ReadUInt32(), r.Position);
        Note(r.ReadInt64(), r.Position);
        Note(r.ReadUInt64(), r.Position);
        Note(BitConverter.SingleToUInt32Bits(r.ReadSingle()), r.Position);
        Note(BitConverter.DoubleToUInt64Bits(r.ReadDouble()), r.Position);
        Note(r.ReadQuadruple(), r.Position);
        Note(r.ReadBool(), r.Position);
        Note(r.ReadEnum(), r.Position);
        Note(Convert.ToHexString(r.ReadFixedOpaque(5)), r.Position);
        Note(Convert.ToHexString(r.ReadOpaque(7)), r.Position);
        Note(r.ReadString(8), r.Position);
        Note(string.Join(',', r.ReadArray<XdrInt>(3).Select(i => i.Value)), r.Position);
        Note(r.ReadOptionalFlag() ? r.ReadInt32() : -1, r.Position);
        Note(r.ReadOptionalFlag(), r.Position);
        Note(r.ReadString(), r.Position);
        Note(Convert.ToHexString(r.ReadOpaqueSpan(16, new byte[16])), r.Position);
        Note(r.ReadInt32(), r.Position);
        Note(r.Remaining, r.Position);
        return log.ToString();
    }

    private static readonly string s_expected = XdrTest.Decode(s_everything, ReadEverything, XdrReaderOptions.Strict);

    [Fact]
    public void ContiguousDecodeIsTheReference()
    {
        Assert.Contains("héllo", s_expected, StringComparison.Ordinal);
        Assert.EndsWith($"0@{s_everything.Length};", s_expected, StringComparison.Ordinal);
    }

    [Fact]
    public void EverySingleSplitDecodesIdentically()
    {
        for (int cut = 0; cut <= s_everything.Length; cut++)
        {
            Assert.Equal(s_expected, XdrTest.Decode(XdrTest.Split(s_everything, cut), ReadEverything, XdrReaderOptions.Strict));
            // With an empty segment at the cut as well.
            Assert.Equal(s_expected, XdrTest.Decode(XdrTest.Split(s_everything, cut, cut), ReadEverything, XdrReaderOptions.Strict));
        }
    }

    [Fact]
    public void EveryPairOfSplitsDecodesIdentically()
    {
        for (int a = 1; a < s_everything.Length; a++)
        {
            for (int b = a + 1; b < Math.Min(a + 20, s_everything.Length); b++)
            {
                Assert.Equal(s_expected, XdrTest.Decode(XdrTest.Split(s_everything, a, b), ReadEverything, XdrReaderOptions.Strict));
            }
        }
    }

    [Fact]
    public void OneBytePerSegmentDecodesIdentically() =>
        Assert.Equal(s_expected, XdrTest.Decode(XdrTest.OneBytePerSegment(s_everything), ReadEverything, XdrReaderOptions.Strict));

    [Fact]
    public void SingleSegmentSequenceDecodesIdentically() =>
        Assert.Equal(s_expected, XdrTest.Decode(new ReadOnlySequence<byte>(s_everything), ReadEverything, XdrReaderOptions.Strict));

    [Fact]
    public void EveryTruncationFailsAtTheSameOffsetWhateverTheSplit()
    {
        for (int length = 0; length < s_everything.Length; length++)
        {
            byte[] prefix = s_everything[..length];
            long offset = Assert.Throws<XdrException>(() => XdrTest.Decode(prefix, ReadEverything)).Offset;
            Assert.InRange(offset, 0, length);
            for (int cut = 0; cut <= length; cut += 3)
            {
                var e = Assert.Throws<XdrException>(() => XdrTest.Decode(XdrTest.Split(prefix, cut), ReadEverything));
                Assert.Equal(offset, e.Offset);
            }
            Assert.Equal(offset, Assert.Throws<XdrException>(() => XdrTest.Decode(XdrTest.OneBytePerSegment(prefix), ReadEverything)).Offset);
        }
    }
}
