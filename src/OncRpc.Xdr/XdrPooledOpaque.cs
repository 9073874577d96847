using System.Buffers;

namespace OncRpc.Xdr;

/// <summary>
/// XDR <c>opaque&lt;&gt;</c> decoded into an array rented from <see cref="ArrayPool{T}.Shared"/>
/// instead of a new <c>byte[]</c>: for large opaque results and arguments that are read once and
/// let go (a 64 KiB payload per call would otherwise be a fresh, cache-cold array and a share of
/// a gen0 collection each time).
/// </summary>
/// <remarks>
/// Ownership: whoever holds the instance disposes it, once it no longer reads the bytes. The
/// server disposes a procedure's arguments and results that are <see cref="IDisposable"/> after
/// the reply has been encoded (a handler may return its arguments as its result); a client caller
/// disposes the result it was given. Invariant: <c>_array</c> is the rented array until the first
/// <see cref="Dispose"/>, then null; only that first call returns it to the pool, so disposing
/// twice (or from two threads) is harmless and reading after dispose throws
/// <see cref="ObjectDisposedException"/>. An instance not disposed is simply collected: the pool
/// lends a new array next time.
/// </remarks>
public sealed class XdrPooledOpaque : IXdrSerializable<XdrPooledOpaque>, IMemoryOwner<byte>
{
    private readonly ArrayPool<byte> _pool;
    private byte[]? _array;

    private XdrPooledOpaque(ArrayPool<byte> pool, byte[] array, int length)
    {
        _pool = pool;
        _array = array;
        Length = length;
    }

    /// <summary>The number of bytes held (the opaque's length on the wire); kept after dispose.</summary>
    public int Length { get; }

    /// <summary>The bytes, writable (an <see cref="IMemoryOwner{T}"/>); throws once disposed.</summary>
    public Memory<byte> Memory => new(Array(), 0, Length);

    /// <summary>The bytes; throws once disposed.</summary>
    public ReadOnlySpan<byte> Span => new(Array(), 0, Length);

    /// <summary>True once disposed (the array is back in the pool).</summary>
    public bool IsDisposed => Volatile.Read(ref _array) is null;

    /// <summary>A value of <paramref name="length"/> bytes in a pooled array; the bytes are
    /// whatever the pool's array held (write them before sending).</summary>
    public static XdrPooledOpaque Rent(int length) => Rent(length, ArrayPool<byte>.Shared);

    /// <summary>Rents from <paramref name="pool"/> (tests count what goes out and comes back).</summary>
    internal static XdrPooledOpaque Rent(int length, ArrayPool<byte> pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        return new XdrPooledOpaque(pool, length == 0 ? [] : pool.Rent(length), length);
    }

    /// <summary>A pooled copy of <paramref name="bytes"/>.</summary>
    public static XdrPooledOpaque CopyOf(ReadOnlySpan<byte> bytes)
    {
        XdrPooledOpaque copy = Rent(bytes.Length);
        bytes.CopyTo(copy._array);
        return copy;
    }

    /// <summary>Reads an <c>opaque&lt;&gt;</c>: the length word is checked against the bytes left
    /// before anything is rented, so a hostile length never rents more than the record holds.</summary>
    public static XdrPooledOpaque ReadFrom(ref XdrReader reader) => ReadFrom(ref reader, uint.MaxValue, ArrayPool<byte>.Shared);

    /// <summary>Reads an <c>opaque&lt;maxLength&gt;</c> (a hand-written type's bounded field); a
    /// longer one is an <see cref="XdrException"/> before anything is rented.</summary>
    public static XdrPooledOpaque ReadFrom(ref XdrReader reader, uint maxLength) => ReadFrom(ref reader, maxLength, ArrayPool<byte>.Shared);

    internal static XdrPooledOpaque ReadFrom(ref XdrReader reader, uint maxLength, ArrayPool<byte> pool)
    {
        int length = reader.ReadLength(maxLength);
        XdrPooledOpaque value = Rent(length, pool);
        try
        {
            reader.ReadFixedOpaque(value._array.AsSpan(0, length));
        }
        catch
        {
            // Short input or a non-zero padding byte (strict padding): the array goes back now.
            value.Dispose();
            throw;
        }
        return value;
    }

    /// <inheritdoc/>
    public void WriteTo(ref XdrWriter writer) => writer.WriteOpaque(Span);

    /// <summary>Returns the array to the pool; later reads throw. Harmless when repeated.</summary>
    public void Dispose()
    {
        byte[]? array = Interlocked.Exchange(ref _array, null);
        if (array is { Length: > 0 })
        {
            _pool.Return(array);
        }
    }

    private byte[] Array() => Volatile.Read(ref _array) ?? throw new ObjectDisposedException(nameof(XdrPooledOpaque));
}
