using System.Buffers.Binary;
using System.IO.Hashing;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Server.Internal.DuplicateRequests;

/// <summary>
/// The duplicate-request cache on disk: an append-only file of completed entries, one record
/// each: "DRC1", payload length, payload (completion time, xid, program, version, procedure,
/// argument checksum, client key, reply), CRC-32 of the payload. A record torn by a crash fails
/// its length or CRC (a damaged one, its reply check): loading stops there and the file is cut
/// back to the last whole record.
/// Evicted entries are not erased; the file is rewritten with only the live entries when it grows
/// past twice their size. Not thread-safe: the cache serialises calls.
/// </summary>
internal sealed class DrcLog : IDisposable
{
    private const uint Magic = 0x44524331; // "DRC1"
    private const int HeaderSize = 8;       // magic, payload length
    private const int FixedPayload = 8 + 4 * 4 + 8 + 2 + 4;
    private const int MaxPayload = FixedPayload + DrcClient.MaxKeyLength + 16 * 1024 * 1024;
    private const long MinCompactionSize = 8L * 1024 * 1024;

    private readonly string _path;
    private readonly bool _writeThrough;
    private FileStream _file;

    public DrcLog(string directory, bool writeThrough)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "duplicate-requests.log");
        _writeThrough = writeThrough;
        _file = Open(_path);
    }

    /// <summary>A persisted entry as read back.</summary>
    public readonly record struct Record(long CompletedUnixMs, DrcCallKey Key, byte[] ClientKey, byte[] Reply);

    public long Length => _file.Length;

    /// <summary>Reads every whole record from the start; cuts off a torn tail.</summary>
    public List<Record> ReadAll()
    {
        var records = new List<Record>();
        _file.Position = 0;
        long good = 0;
        Span<byte> header = stackalloc byte[HeaderSize];
        while (true)
        {
            if (_file.ReadAtLeast(header, HeaderSize, throwOnEndOfStream: false) < HeaderSize
                || BinaryPrimitives.ReadUInt32BigEndian(header) != Magic)
            {
                break;
            }
            int length = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
            if (length < FixedPayload || length > MaxPayload || length > _file.Length - _file.Position - 4)
            {
                break;
            }
            byte[] payload = new byte[length + 4];
            if (_file.ReadAtLeast(payload, payload.Length, throwOnEndOfStream: false) < payload.Length
                || Crc32.HashToUInt32(payload.AsSpan(0, length)) != BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(length))
                || Decode(payload.AsSpan(0, length)) is not { } record)
            {
                break;
            }
            records.Add(record);
            good = _file.Position;
        }
        if (good != _file.Length)
        {
            _file.SetLength(good);
        }
        _file.Position = good;
        return records;
    }

    /// <summary>Appends one entry; flushed to disk first when write-through.</summary>
    public void Append(in Record record)
    {
        byte[] bytes = Encode(record);
        _file.Write(bytes);
        _file.Flush(flushToDisk: _writeThrough);
    }

    /// <summary>Compaction is due when the file holds much more than its live entries.</summary>
    public bool ShouldCompact(long liveBytes) => _file.Length > Math.Max(MinCompactionSize, 2 * liveBytes);

    /// <summary>Replaces the file with <paramref name="live"/> (written to a temporary file,
    /// flushed, then renamed over, so a crash leaves the old file or the new one whole).</summary>
    public void Rewrite(IEnumerable<Record> live)
    {
        string temporary = _path + ".tmp";
        using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (Record record in live)
            {
                output.Write(Encode(record));
            }
            output.Flush(flushToDisk: true);
        }
        _file.Dispose();
        File.Move(temporary, _path, overwrite: true);
        _file = Open(_path);
        _file.Seek(0, SeekOrigin.End);
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);

    private static byte[] Encode(in Record record)
    {
        int payload = FixedPayload + record.ClientKey.Length + record.Reply.Length;
        byte[] bytes = new byte[HeaderSize + payload + 4];
        Span<byte> span = bytes;
        BinaryPrimitives.WriteUInt32BigEndian(span, Magic);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], payload);
        Span<byte> p = span.Slice(HeaderSize, payload);
        BinaryPrimitives.WriteInt64BigEndian(p, record.CompletedUnixMs);
        BinaryPrimitives.WriteUInt32BigEndian(p[8..], record.Key.Xid);
        BinaryPrimitives.WriteUInt32BigEndian(p[12..], record.Key.Program);
        BinaryPrimitives.WriteUInt32BigEndian(p[16..], record.Key.Version);
        BinaryPrimitives.WriteUInt32BigEndian(p[20..], record.Key.Procedure);
        BinaryPrimitives.WriteUInt64BigEndian(p[24..], record.Key.ArgumentsHash);
        BinaryPrimitives.WriteUInt16BigEndian(p[32..], (ushort)record.ClientKey.Length);
        record.ClientKey.CopyTo(p[34..]);
        int at = 34 + record.ClientKey.Length;
        BinaryPrimitives.WriteInt32BigEndian(p[at..], record.Reply.Length);
        record.Reply.CopyTo(p[(at + 4)..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[(HeaderSize + payload)..], Crc32.HashToUInt32(p));
        return bytes;
    }

    private static Record? Decode(ReadOnlySpan<byte> p)
    {
        int keyLength = BinaryPrimitives.ReadUInt16BigEndian(p[32..]);
        if (keyLength > DrcClient.MaxKeyLength || 34 + keyLength + 4 > p.Length)
        {
            return null;
        }
        int at = 34 + keyLength;
        int replyLength = BinaryPrimitives.ReadInt32BigEndian(p[at..]);
        if (replyLength < 0 || at + 4 + replyLength != p.Length)
        {
            return null;
        }
        var key = new DrcCallKey(BinaryPrimitives.ReadUInt32BigEndian(p[8..]), BinaryPrimitives.ReadUInt32BigEndian(p[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(p[16..]), BinaryPrimitives.ReadUInt32BigEndian(p[20..]),
            BinaryPrimitives.ReadUInt64BigEndian(p[24..]));
        ReadOnlySpan<byte> reply = p.Slice(at + 4, replyLength);
        // A hit sends the kept reply verbatim. The CRC catches a torn write, not a damaged or
        // planted file that is consistent: a record whose reply is not an rpc_msg REPLY to its
        // own xid (RFC 5531 §9) is refused like a torn one, so garbage never reaches a client.
        if (!IsReplyTo(key.Xid, reply))
        {
            return null;
        }
        return new Record(BinaryPrimitives.ReadInt64BigEndian(p), key, p.Slice(34, keyLength).ToArray(), reply.ToArray());
    }

    private static bool IsReplyTo(uint xid, ReadOnlySpan<byte> reply)
    {
        try
        {
            var reader = new XdrReader(reply);
            RpcMessageHeader header = RpcMessageHeader.ReadFrom(ref reader);
            if (header.Xid != xid || header.Type != RpcMessageType.Reply)
            {
                return false;
            }
            RpcReplyHeader.ReadBody(ref reader, xid);
            return true;
        }
        catch (XdrException)
        {
            return false;
        }
    }

    public void Dispose() => _file.Dispose();
}
