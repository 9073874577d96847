using OncRpc.Transport.Internal;

namespace OncRpc.Tests.Transport;

/// <summary>One 4 KiB ring in a fresh mapping with a writer's and a reader's view of the same
/// direction (as the two processes have): the ring tests' common ground.</summary>
public abstract class RingFixture : IDisposable
{
    protected const int Size = 4096;
    private protected readonly ShmMapping _mapping;
    private protected readonly ShmRing _writer;
    private protected readonly ShmRing _reader;

    private protected RingFixture()
    {
        Assert.SkipUnless(ShmLibc.IsSupported, "shared memory needs Linux x86_64");
        _mapping = ShmMapping.Create(Size, out int fd);
        ShmLibc.Close(fd);
        _writer = new ShmRing(_mapping, ShmMapping.ClientToServer, ShmChannel.SpinTicks);
        _reader = new ShmRing(_mapping, ShmMapping.ClientToServer, ShmChannel.SpinTicks);
    }

    public void Dispose()
    {
        _mapping?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Reproducible random bytes.</summary>
    internal static byte[] Pattern(int length, int seed)
    {
        byte[] data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
