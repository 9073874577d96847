using System.Buffers;
using BenchmarkDotNet.Attributes;
using OncRpc.Auth;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Benchmarks.Runtime;

/// <summary>
/// RFC 5531 §9 message headers: a call header with AUTH_NONE and with an AUTH_SYS credential
/// (machine name, uid/gid, 4 groups), and an accepted-success reply header, each encoded into a
/// reused buffer and decoded from bytes.
/// </summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class HeaderBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(1024);
    private RpcCallHeader _callNone;
    private RpcCallHeader _callSys;
    private RpcReplyHeader _reply;
    private byte[] _callNoneBytes = [];
    private byte[] _callSysBytes = [];
    private byte[] _replyBytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _callNone = new RpcCallHeader(0x12345678, 0x31234569, 1, 1, OpaqueAuth.None, OpaqueAuth.None);
        var sysBody = new ArrayBufferWriter<byte>();
        var w = new XdrWriter(sysBody);
        w.WriteUInt32(0x5f5e100);      // stamp
        w.WriteString("benchhost");    // machinename<255>
        w.WriteUInt32(1000);           // uid
        w.WriteUInt32(1000);           // gid
        w.WriteLength(4);              // gids<16>
        for (uint g = 0; g < 4; g++)
        {
            w.WriteUInt32(100 + g);
        }
        w.Flush();
        _callSys = _callNone with { Credential = new OpaqueAuth(AuthFlavor.Sys, sysBody.WrittenMemory.ToArray()) };
        _reply = RpcReplyHeader.Success(0x12345678);
        _callNoneBytes = Encode(_callNone);
        _callSysBytes = Encode(_callSys);
        var reply = new ArrayBufferWriter<byte>();
        var rw = new XdrWriter(reply);
        _reply.WriteTo(ref rw);
        rw.Flush();
        _replyBytes = reply.WrittenSpan.ToArray();
    }

    private static byte[] Encode(RpcCallHeader header)
    {
        var output = new ArrayBufferWriter<byte>();
        var w = new XdrWriter(output);
        header.WriteTo(ref w);
        w.Flush();
        return output.WrittenSpan.ToArray();
    }

    [Benchmark]
    public long EncodeCallAuthNone() => EncodeCall(_callNone);

    [Benchmark]
    public long EncodeCallAuthSys() => EncodeCall(_callSys);

    private long EncodeCall(in RpcCallHeader header)
    {
        _output.ResetWrittenCount();
        var w = new XdrWriter(_output);
        header.WriteTo(ref w);
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark]
    public long EncodeReplySuccess()
    {
        _output.ResetWrittenCount();
        var w = new XdrWriter(_output);
        _reply.WriteTo(ref w);
        w.Flush();
        return w.BytesWritten;
    }

    [Benchmark]
    public uint DecodeCallAuthNone() => DecodeCall(_callNoneBytes);

    [Benchmark]
    public uint DecodeCallAuthSys() => DecodeCall(_callSysBytes);

    private static uint DecodeCall(byte[] bytes)
    {
        var reader = new XdrReader(bytes);
        RpcMessageHeader message = RpcMessageHeader.ReadFrom(ref reader);
        RpcCallHeader header = RpcCallHeader.ReadBody(ref reader, message.Xid, out _);
        return header.Procedure;
    }

    [Benchmark]
    public AcceptStat DecodeReplySuccess()
    {
        var reader = new XdrReader(_replyBytes);
        RpcMessageHeader message = RpcMessageHeader.ReadFrom(ref reader);
        return RpcReplyHeader.ReadBody(ref reader, message.Xid).AcceptStat;
    }
}
