using System.Buffers;
using System.Buffers.Binary;
using OncRpc.Xdr.Tests.Support;

namespace OncRpc.Xdr.Tests;

/// <summary>
/// <see cref="XdrPooledOpaque"/>: the bytes of an opaque&lt;&gt; in a pooled array that goes back
/// exactly once, on dispose or on a decode that fails after renting; never rented by a length the
/// input cannot hold.
/// </summary>
public sealed class PooledOpaqueTests
{
    /// <summary>Lends arrays and counts them out and back; a second return of one array fails the test.</summary>
    private sealed class CountingPool : ArrayPool<byte>
    {
        private readonly HashSet<byte[]> _out = new(ReferenceEqualityComparer.Instance);

        public int Rented { get; private set; }
        public int Returned { get; private set; }
        public int Outstanding => _out.Count;
        public int LargestRequest { get; private set; }

        public override byte[] Rent(int minimumLength)
        {
            LargestRequest = Math.Max(LargestRequest, minimumLength);
            // Larger than asked, as ArrayPool<byte>.Shared lends (a power of two): the extra must never show.
            var array = new byte[minimumLength + 13];
            array.AsSpan().Fill(0xEE);
            _out.Add(array);
            Rented++;
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            Assert.True(_out.Remove(array), "an array returned twice or never rented");
            Returned++;
        }
    }

    private static byte[] Encoded(byte[] payload) => XdrSerializer.ToArray(new XdrOpaque(payload));

    private static byte[] Payload(int length) => [.. Enumerable.Range(0, length).Select(i => (byte)(i * 31 + 7))];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(65536)]
    public void Decodes_the_exact_bytes_and_encodes_them_back_identically(int length)
    {
        byte[] payload = Payload(length);
        byte[] wire = Encoded(payload);
        var pool = new CountingPool();
        var reader = new XdrReader(wire);

        using (XdrPooledOpaque value = XdrPooledOpaque.ReadFrom(ref reader, uint.MaxValue, pool))
        {
            reader.EnsureEnd();
            Assert.Equal(length, value.Length);
            Assert.Equal(payload, value.Span.ToArray());
            Assert.Equal(length, value.Memory.Length);
            Assert.Equal(wire, XdrSerializer.ToArray(value));
        }

        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(length == 0 ? 0 : 1, pool.Returned);
    }

    [Fact]
    public void Decodes_across_segments()
    {
        byte[] payload = Payload(1001);
        byte[] wire = Encoded(payload);
        using XdrPooledOpaque value = XdrTest.Decode(XdrTest.Split(wire, 2, 5, 500, 1003), (ref XdrReader r) => XdrPooledOpaque.ReadFrom(ref r));
        Assert.Equal(payload, value.Span.ToArray());
    }

    [Fact]
    public void Use_after_dispose_throws_and_a_second_dispose_is_harmless()
    {
        var pool = new CountingPool();
        var reader = new XdrReader(Encoded(Payload(100)));
        XdrPooledOpaque value = XdrPooledOpaque.ReadFrom(ref reader, uint.MaxValue, pool);

        value.Dispose();
        value.Dispose();

        Assert.True(value.IsDisposed);
        Assert.Equal(1, pool.Returned);
        Assert.Equal(100, value.Length);
        Assert.Throws<ObjectDisposedException>(() => value.Span.Length);
        Assert.Throws<ObjectDisposedException>(() => value.Memory);
        Assert.Throws<ObjectDisposedException>(() => XdrSerializer.ToArray(value));
    }

    [Fact]
    public void Disposing_from_many_threads_at_once_returns_the_array_once()
    {
        var pool = new CountingPool();
        XdrPooledOpaque value = XdrPooledOpaque.Rent(4096, pool);
        using var start = new Barrier(4);
        Parallel.For(0, 4, _ =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            value.Dispose();
        });
        Assert.Equal(1, pool.Returned);
    }

    [Fact]
    public void A_non_zero_padding_byte_under_strict_padding_returns_the_array_before_throwing()
    {
        byte[] wire = Encoded(Payload(5));
        wire[^1] = 1; // the last of three padding bytes
        var pool = new CountingPool();
        var reader = new XdrReader(wire, XdrReaderOptions.Strict);
        try
        {
            XdrPooledOpaque.ReadFrom(ref reader, uint.MaxValue, pool);
            Assert.Fail("strict padding accepted a non-zero byte");
        }
        catch (XdrException)
        {
        }
        Assert.Equal(1, pool.Rented);
        Assert.Equal(0, pool.Outstanding);
    }

    [Theory]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0x7FFFFFFFu)]
    [InlineData(97u)] // one byte more than the 96 left
    public void A_length_word_over_the_input_rents_nothing(uint claim)
    {
        var wire = new byte[100];
        BinaryPrimitives.WriteUInt32BigEndian(wire, claim);
        var pool = new CountingPool();
        var reader = new XdrReader(wire);
        try
        {
            XdrPooledOpaque.ReadFrom(ref reader, uint.MaxValue, pool);
            Assert.Fail("a length over the input was accepted");
        }
        catch (XdrException)
        {
        }
        Assert.Equal(0, pool.Rented);
    }

    [Fact]
    public void A_length_over_the_declared_maximum_rents_nothing()
    {
        var pool = new CountingPool();
        var reader = new XdrReader(Encoded(Payload(17)));
        try
        {
            XdrPooledOpaque.ReadFrom(ref reader, 16, pool);
            Assert.Fail("a length over the maximum was accepted");
        }
        catch (XdrException e)
        {
            Assert.Contains("exceeds the declared maximum 16", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(0, pool.Rented);
        var exact = new XdrReader(Encoded(Payload(16)));
        using XdrPooledOpaque fits = XdrPooledOpaque.ReadFrom(ref exact, 16);
        Assert.Equal(16, fits.Length);
    }

    /// <summary>A value that owns a pooled opaque, as a hand-written or generated type may.</summary>
    private sealed class Owner(XdrPooledOpaque inner) : IXdrSerializable<Owner>, IDisposable
    {
        [ThreadStatic]
        public static XdrPooledOpaque? LastDecoded;

        public XdrPooledOpaque Inner { get; } = inner;

        public static Owner ReadFrom(ref XdrReader reader) => new(LastDecoded = XdrPooledOpaque.ReadFrom(ref reader));

        public void WriteTo(ref XdrWriter writer) => Inner.WriteTo(ref writer);

        public void Dispose() => Inner.Dispose();
    }

    [Fact]
    public void Trailing_bytes_dispose_what_was_decoded_before_the_exception()
    {
        byte[] wire = [.. Encoded(Payload(64)), 0, 0, 0, 9];

        Assert.Throws<XdrException>(() => XdrSerializer.Deserialize<XdrPooledOpaque>(wire));
        Assert.Throws<XdrException>(() => XdrSerializer.Deserialize<Owner>(wire));
        Assert.True(Owner.LastDecoded!.IsDisposed);
        Assert.Throws<XdrException>(() => XdrSerializer.Deserialize<Owner>(new ReadOnlySequence<byte>(wire)));
        Assert.True(Owner.LastDecoded!.IsDisposed);

        // Without the trailing word the value is the caller's, not disposed.
        using Owner kept = XdrSerializer.Deserialize<Owner>(wire.AsSpan(0, wire.Length - 4));
        Assert.False(kept.Inner.IsDisposed);
    }

    [Fact]
    public void CopyOf_and_Rent_hold_exactly_the_length_asked()
    {
        byte[] payload = Payload(33);
        using XdrPooledOpaque copy = XdrPooledOpaque.CopyOf(payload);
        Assert.Equal(payload, copy.Span.ToArray());
        using XdrPooledOpaque empty = XdrPooledOpaque.Rent(0);
        Assert.Equal(0, empty.Span.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => XdrPooledOpaque.Rent(-1));
    }
}
