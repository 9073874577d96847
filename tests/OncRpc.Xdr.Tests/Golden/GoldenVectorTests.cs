using System.Buffers;
using OncRpc.Testing;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests.Golden;

/// <summary>Our encoder against libtirpc's bytes (golden.txt), and our decoder on those bytes.</summary>
public sealed class GoldenVectorTests
{
    public static TheoryData<string> Names => [.. GoldenCases.All.Select(c => c.Name)];

    private static GoldenCase Find(string name) => GoldenCases.All.Single(c => c.Name == name);

    [Fact]
    public void Every_golden_vector_has_a_case_and_every_case_a_vector()
    {
        Assert.Equal(GoldenFile.Vectors.Keys.Order(StringComparer.Ordinal), GoldenCases.All.Select(c => c.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Encodes_like_libtirpc(string name)
    {
        GoldenCase c = Find(name);
        byte[] ours = XdrTest.Encode(c.Write);
        Assert.Equal(Hex.Of(GoldenFile.Vectors[name]), Hex.Of(ours));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Decodes_libtirpc_bytes(string name)
    {
        GoldenCase c = Find(name);
        byte[] golden = GoldenFile.Vectors[name];
        // Strict padding: libtirpc always writes zero padding, so its bytes are canonical.
        object? value = XdrTest.Decode(golden, c.Read, XdrReaderOptions.Strict);
        Assert.True(c.Same(c.Expected, value), $"{name}: decoded {value} differs from {c.Expected}");

        // And through a sequence where every byte is its own segment.
        object? split = XdrTest.Decode(XdrTest.OneBytePerSegment(golden), c.Read, XdrReaderOptions.Strict);
        Assert.True(c.Same(c.Expected, split), $"{name}: decoded {split} from segments differs");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Rejects_every_truncation_of_the_golden_bytes(string name)
    {
        GoldenCase c = Find(name);
        byte[] golden = GoldenFile.Vectors[name];
        for (int length = 0; length < golden.Length; length++)
        {
            byte[] prefix = golden[..length];
            var e = Assert.Throws<XdrException>(() => XdrTest.Decode(prefix, c.Read));
            Assert.InRange(e.Offset, 0, length);
            var s = Assert.Throws<XdrException>(() => XdrTest.Decode(new ReadOnlySequence<byte>(prefix), c.Read));
            Assert.Equal(e.Offset, s.Offset);
        }
    }
}
