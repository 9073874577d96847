using System.Buffers;
using System.Buffers.Binary;
using OncRpc.Xdr.Tests.Composite;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests;

/// <summary>
/// A 100-byte input claiming a 4 GB string, opaque or array must fail with XdrException before
/// anything of that size is allocated (ReadLength checks the count against the bytes left).
/// </summary>
public sealed class HostileLengthTests
{
    private const long AllocationBudget = 16 * 1024; // the exception and its message, not the claim

    public static TheoryData<uint> Claims => [0xFFFFFFFF, 0xFFFFFFFC, 0x80000000, 0x7FFFFFFF, 0x7FFFFFFC, 1_000_000, 97];

    private static byte[] Input(uint claim)
    {
        var bytes = new byte[100];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, claim);
        bytes.AsSpan(4).Fill(0x41);
        return bytes;
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes) => XdrTest.Split(bytes, 1, 3, 9, 40, 40, 77, 99);

    private delegate void Decode(ref XdrReader reader);

    private static readonly (string Name, Decode Decode)[] s_decoders =
    [
        ("opaque<>", (ref XdrReader r) => r.ReadOpaque()),
        ("string<>", (ref XdrReader r) => r.ReadString()),
        ("XdrOpaque", (ref XdrReader r) => XdrOpaque.ReadFrom(ref r)),
        ("XdrPooledOpaque", (ref XdrReader r) => XdrPooledOpaque.ReadFrom(ref r)),
        ("XdrString", (ref XdrReader r) => XdrString.ReadFrom(ref r)),
        ("int<>", (ref XdrReader r) => r.ReadArray<XdrInt>()),
        ("hyper<>", (ref XdrReader r) => r.ReadArray<XdrHyper>(minElementSize: 8)),
        ("string<><>", (ref XdrReader r) => r.ReadArray<XdrString>()),
        ("composite<>", (ref XdrReader r) => r.ReadArray<CompositeRecord>(minElementSize: 4)),
        ("ReadLength", (ref XdrReader r) => r.ReadLength(uint.MaxValue)),
        ("ReadOpaqueSpan", (ref XdrReader r) => r.ReadOpaqueSpan(uint.MaxValue, new byte[100])),
    ];

    public static TheoryData<string, uint> Cases()
    {
        var data = new TheoryData<string, uint>();
        foreach ((string name, _) in s_decoders)
        {
            foreach (uint claim in Claims)
            {
                data.Add(name, claim);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HugeClaimFailsBeforeAllocating(string decoder, uint claim)
    {
        Decode decode = s_decoders.Single(d => d.Name == decoder).Decode;
        byte[] bytes = Input(claim);
        Expect(bytes, decode); // warm up: JIT and static initialisers allocate once

        long before = GC.GetAllocatedBytesForCurrentThread();
        XdrException fromSpan = Expect(bytes, decode);
        XdrException fromSequence = Expect(Segmented(bytes), decode);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, fromSpan.Offset);
        Assert.Equal(0, fromSequence.Offset);
        Assert.Contains($"length {claim}", fromSpan.Expectation, StringComparison.Ordinal);
        Assert.Equal(fromSpan.Expectation, fromSequence.Expectation);
        Assert.True(allocated < AllocationBudget, $"{decoder} claiming {claim} allocated {allocated} bytes");
    }

    [Fact]
    public void ArrayCountIsCheckedAgainstTheMinimumElementSize()
    {
        // 25 ints need 100 bytes; 96 are left. A byte-wise check would let this through.
        byte[] bytes = Input(25);
        var e = Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadArray<XdrInt>()));
        Assert.Contains("needs at least 100 bytes, 96 left", e.Expectation, StringComparison.Ordinal);
        // 24 fit exactly.
        Assert.Equal(24, XdrTest.Decode(Input(24), (ref XdrReader r) => r.ReadArray<XdrInt>()).Length);
    }

    [Fact]
    public void FixedSizedClaimsAreCheckedToo()
    {
        byte[] bytes = Input(0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadFixedOpaque(int.MaxValue)));
        Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadFixedArray<XdrInt>(int.MaxValue)));
        Assert.Throws<XdrException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => { r.EnsureFixedArray(26); return 0; }));
        Assert.Throws<XdrException>(() => XdrTest.Decode(Segmented(bytes), (ref XdrReader r) => { r.SkipOpaque(int.MaxValue); return 0; }));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 * AllocationBudget);
        Assert.Throws<ArgumentOutOfRangeException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadFixedArray<XdrInt>(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => XdrTest.Decode(bytes, (ref XdrReader r) => r.ReadFixedOpaque(-1)));
    }

    [Fact]
    public void NestedClaimsInsideTheCompositeAreRefused()
    {
        byte[] good = XdrSerializer.ToArray(CompositeRecord.Sample(3, Color.Green));
        // Every 4-aligned word, in turn, becomes 0xFFFFFFFF: nothing may allocate by that claim.
        // The first pass only warms up: the first throw from each site loads exception metadata
        // and message resources (tens of KB, more or less depending on what ran before on this
        // thread), which is not what is measured. The second pass is.
        for (int pass = 0; pass < 2; pass++)
        {
            for (int at = 0; at + 4 <= good.Length; at += 4)
            {
                byte[] bad = (byte[])good.Clone();
                BinaryPrimitives.WriteUInt32BigEndian(bad.AsSpan(at), 0xFFFFFFFF);
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    XdrSerializer.Deserialize<CompositeRecord>(bad);
                }
                catch (XdrException)
                {
                }
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(pass == 0 || allocated < AllocationBudget + 8 * good.Length, $"0xFFFFFFFF at {at} allocated {allocated}");
            }
        }
    }

    private static XdrException Expect(byte[] bytes, Decode decode)
    {
        var reader = new XdrReader(bytes);
        try
        {
            decode(ref reader);
        }
        catch (XdrException e)
        {
            return e;
        }
        throw new Xunit.Sdk.XunitException("expected XdrException");
    }

    private static XdrException Expect(ReadOnlySequence<byte> bytes, Decode decode)
    {
        var reader = new XdrReader(bytes);
        try
        {
            decode(ref reader);
        }
        catch (XdrException e)
        {
            return e;
        }
        throw new Xunit.Sdk.XunitException("expected XdrException");
    }
}
