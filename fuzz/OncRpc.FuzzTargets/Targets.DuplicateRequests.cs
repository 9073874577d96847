using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Auth;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Server.Internal.DuplicateRequests;

namespace OncRpc.FuzzTargets;

public static partial class Targets
{
    /// <summary>
    /// The cache's client key builder on any peer: byte 0 picks the address family (IPv4, IPv6,
    /// IPv4-mapped IPv6, a Unix socket peer) and transport, byte 1 the credential flavor, then 16
    /// address bytes, 2 port bytes and the credential body (at most 400 bytes, as the header stage
    /// guarantees). Properties: the key fits <see cref="DrcClient.MaxKeyLength"/>; it is a pure function;
    /// over a stream with a credential, the port does not count; a different flavor is a different key;
    /// an IPv4-mapped address keys as its IPv4 address.
    /// </summary>
    private static void DrcKeyTarget(byte[] input)
    {
        ReadOnlySpan<byte> data = input;
        byte select = data.Length > 0 ? data[0] : (byte)0;
        var flavor = (AuthFlavor)(data.Length > 1 ? data[1] % 8 : 0);
        Span<byte> address = stackalloc byte[16];
        if (data.Length > 2)
        {
            data[2..Math.Min(data.Length, 18)].CopyTo(address);
        }
        int port = data.Length > 19 ? BinaryPrimitives.ReadUInt16BigEndian(data[18..]) : 111;
        byte[] body = data.Length > 20 ? data[20..Math.Min(data.Length, 20 + OpaqueAuth.MaxBodyLength)].ToArray() : [];
        RpcTransportKind transport = (select >> 2 & 3) switch { 0 => RpcTransportKind.Tcp, 1 => RpcTransportKind.Udp, _ => RpcTransportKind.Local };
        EndPoint? remote = (select & 3) switch
        {
            0 => new IPEndPoint(new IPAddress(address[..4]), port),
            1 => new IPEndPoint(new IPAddress(address), port),
            2 => new IPEndPoint(new IPAddress(address[..4]).MapToIPv6(), port),
            _ => (select & 0x10) != 0 ? new UnixDomainSocketEndPoint("/run/fuzz.sock") : null,
        };
        var credential = new OpaqueAuth(flavor, body);
        object site = new();

        byte[] key = DrcKey(remote, transport, credential, site);
        if (!key.AsSpan().SequenceEqual(DrcKey(remote, transport, credential, site)))
        {
            throw new FuzzPropertyException("the same call gave two keys");
        }
        if (remote is IPEndPoint ip)
        {
            bool portCounts = transport == RpcTransportKind.Udp || flavor == AuthFlavor.None;
            byte[] otherPort = DrcKey(new IPEndPoint(ip.Address, (ip.Port + 1) & 0xffff), transport, credential, site);
            if (portCounts == key.AsSpan().SequenceEqual(otherPort))
            {
                throw new FuzzPropertyException($"the port {(portCounts ? "did not count" : "counted")} ({transport}, {flavor})");
            }
            if (ip.Address.IsIPv4MappedToIPv6
                && !key.AsSpan().SequenceEqual(DrcKey(new IPEndPoint(ip.Address.MapToIPv4(), ip.Port), transport, credential, site)))
            {
                throw new FuzzPropertyException("an IPv4-mapped peer keyed apart from its IPv4 address");
            }
        }
        var otherFlavor = new OpaqueAuth(flavor == AuthFlavor.Sys ? AuthFlavor.Short : AuthFlavor.Sys, body);
        if (key.AsSpan().SequenceEqual(DrcKey(remote, transport, otherFlavor, site)))
        {
            throw new FuzzPropertyException("two credential flavors gave one key");
        }
        var call = new DrcCallKey(BinaryPrimitives.ReadUInt32BigEndian(address), 100003, 3, (uint)port, (ulong)key.Length);
        if (call.Slot(7) != call.Slot(7))
        {
            throw new FuzzPropertyException("a slot is not a function of its key");
        }
    }

    /// <summary>Rewrites the CRC-32 of every record whose header fits the file (DrcLog's layout:
    /// "DRC1", payload length, payload, CRC of the payload).</summary>
    private static void FixCrcs(Span<byte> log)
    {
        int at = 0;
        while (at + 8 <= log.Length && BinaryPrimitives.ReadUInt32BigEndian(log[at..]) == 0x44524331)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(log[(at + 4)..]);
            if (length < 0 || length > log.Length - at - 12)
            {
                return;
            }
            BinaryPrimitives.WriteUInt32BigEndian(log[(at + 8 + length)..], System.IO.Hashing.Crc32.HashToUInt32(log.Slice(at + 8, length)));
            at += 12 + length;
        }
    }

    private static byte[] DrcKey(EndPoint? remote, RpcTransportKind transport, OpaqueAuth credential, object site)
    {
        byte[] buffer = new byte[DrcClient.MaxKeyLength];
        return buffer[..DrcClient.WriteKey(buffer, remote, transport, credential, site)];
    }

    /// <summary>The persisted-entry clock: 2026-01-01, so seeds written at that time stay young.</summary>
    public sealed class FixedTime : TimeProvider
    {
        public static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly string s_drcDirectory =
        Path.Combine(Path.GetTempPath(), $"oncrpc-fuzz-drc-{Environment.ProcessId}");

    /// <summary>
    /// A hostile duplicate-request log read at start (the file is on disk and may be damaged or
    /// planted). The cache must load it without throwing, keep within its bounds, cut the file back
    /// to a prefix of whole records, and load the same entries again from what it left; then a
    /// server using it answers an at-most-once call (possibly a replay from the file) normally.
    /// Byte 0, bit 0 set: each record's CRC is made right before the file is written, so mutations
    /// get past the checksum into the record decoder and the loader (a planted file can do that).
    /// </summary>
    private static void DrcLogTarget(byte[] data)
    {
        byte[] input = data.Length > 0 ? data[1..] : [];
        if (data.Length > 0 && (data[0] & 1) != 0)
        {
            FixCrcs(input);
        }
        Directory.CreateDirectory(s_drcDirectory);
        string file = Path.Combine(s_drcDirectory, "duplicate-requests.log");
        File.WriteAllBytes(file, input);
        var options = new DuplicateRequestCacheOptions { MaxEntries = 8, MaxBytes = 64 * 1024, PersistenceDirectory = s_drcDirectory };
        DuplicateRequestCacheStatistics first;
        using (var cache = new DuplicateRequestCache(options, new FixedTime(), NullLogger.Instance))
        {
            first = cache.Statistics;
        }
        byte[] left = File.ReadAllBytes(file);
        if (left.Length > input.Length || !input.AsSpan(0, left.Length).SequenceEqual(left))
        {
            throw new FuzzPropertyException($"the log was not cut back to a prefix ({left.Length} of {input.Length} bytes)");
        }
        if (first.Entries > options.MaxEntries || first.Bytes > options.MaxBytes)
        {
            throw new FuzzPropertyException($"loaded {first.Entries} entries, {first.Bytes} bytes past the bounds");
        }
        using (var again = new DuplicateRequestCache(options, new FixedTime(), NullLogger.Instance))
        {
            if (again.Statistics.Entries != first.Entries || File.ReadAllBytes(file).Length != left.Length)
            {
                throw new FuzzPropertyException("loading what the first load left gave other entries");
            }
        }
        using RpcServerRuntime runtime = Pipeline.CreateRuntime(cache: options, time: new FixedTime());
        Pipeline.Run(runtime, Pipeline.DrcSeedCall);
    }
}
