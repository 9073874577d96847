using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using OncRpc.Auth.Gss.Internal;

namespace OncRpc.Tests.Support;

/// <summary>
/// A stand-in GSS mechanism for RPCSEC_GSS tests without a KDC: two round trips like Kerberos
/// with mutual authentication (the initiator sends a fresh session key and its name, the
/// acceptor echoes the key), MICs are HMAC-SHA256 under the session key, wrap is a keyed XOR
/// stream plus a MAC. Not security, but every tampered byte fails a check, as with krb5.
/// </summary>
internal sealed class FakeGssMechanism(string clientName = "alice@TEST.REALM") : IGssMechanism
{
    public int AcceptorsCreated;

    public IGssContext CreateInitiator(string targetName) => new FakeGssContext(clientName);

    public IGssContext CreateAcceptor()
    {
        Interlocked.Increment(ref AcceptorsCreated);
        return new FakeGssContext(null);
    }
}

internal sealed class FakeGssContext(string? initiatorName) : IGssContext
{
    private byte[]? _key;
    private int _state;

    public string? PeerName { get; private set; }

    public bool Disposed { get; private set; }

    public GssStepStatus Step(ReadOnlySpan<byte> incoming, out byte[]? outgoing)
    {
        outgoing = null;
        if (initiatorName is not null)
        {
            if (_state++ == 0)
            {
                _key = RandomNumberGenerator.GetBytes(16);
                outgoing = [(byte)'I', .. _key, .. Encoding.UTF8.GetBytes(initiatorName)];
                return GssStepStatus.ContinueNeeded;
            }
            return incoming.Length == 17 && incoming[0] == 'A' && incoming[1..].SequenceEqual(_key) ? GssStepStatus.Complete : GssStepStatus.Failed;
        }
        if (incoming.Length < 17 || incoming[0] != 'I')
        {
            return GssStepStatus.Failed;
        }
        _key = incoming[1..17].ToArray();
        PeerName = Encoding.UTF8.GetString(incoming[17..]);
        outgoing = [(byte)'A', .. _key];
        return GssStepStatus.Complete;
    }

    private byte[] Mac(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        return HMACSHA256.HashData(_key ?? throw new InvalidOperationException("not established"), message)[..16];
    }

    public void GetMic(ReadOnlySpan<byte> message, IBufferWriter<byte> mic) => mic.Write(Mac(message));

    public bool VerifyMic(ReadOnlySpan<byte> message, ReadOnlySpan<byte> mic) => CryptographicOperations.FixedTimeEquals(Mac(message), mic);

    private void Xor(ReadOnlySpan<byte> input, Span<byte> output)
    {
        for (int i = 0; i < input.Length; i++)
        {
            output[i] = (byte)(input[i] ^ _key![i % 16] ^ 0x5a);
        }
    }

    public bool Wrap(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        byte[] wrapped = new byte[16 + input.Length];
        Mac(input).CopyTo(wrapped, 0);
        Xor(input, wrapped.AsSpan(16));
        output.Write(wrapped);
        return true;
    }

    public bool TryUnwrap(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        if (input.Length < 16)
        {
            return false;
        }
        byte[] plain = new byte[input.Length - 16];
        Xor(input[16..], plain);
        if (!VerifyMic(plain, input[..16]))
        {
            return false;
        }
        output.Write(plain);
        return true;
    }

    public void Dispose() => Disposed = true;
}
