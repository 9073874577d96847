using System.Buffers;
using System.CommandLine;
using OncRpc.Auth;
using OncRpc.Protocol;
using OncRpc.Xdr;

namespace OncRpc.Tool.Commands;

/// <summary>
/// <c>oncrpc demo</c>: the classic log service's RLOG call (program 0x31234567, version 1,
/// procedure 1) encoded as the bytes a client sends, then decoded back.
/// </summary>
internal static class DemoCommand
{
    private const uint LogProg = 0x31234567;

    public static Command Create()
    {
        var message = new Option<string>("--message") { Description = "the text to log", DefaultValueFactory = _ => "hello, world" };
        var command = new Command("demo", "encode and decode a call to RLOG of the classic log service") { message };
        command.SetAction(parse => Run(parse.GetValue(message)!, Console.Out));
        return command;
    }

    private static int Run(string text, TextWriter output)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        new RpcCallHeader(0x1234, LogProg, 1, 1, OpaqueAuth.None, OpaqueAuth.None).WriteTo(ref writer);
        writer.WriteString(text);
        writer.Flush();

        output.WriteLine($"call RLOG(\"{text}\") to program 0x{LogProg:x8} version 1: {buffer.WrittenCount} bytes");
        output.WriteLine(Convert.ToHexString(buffer.WrittenSpan));

        var reader = new XdrReader(buffer.WrittenSpan);
        var message = RpcMessageHeader.ReadFrom(ref reader);
        RpcCallHeader call = RpcCallHeader.ReadBody(ref reader, message.Xid, out uint rpcVersion);
        string decoded = reader.ReadString();
        reader.EnsureEnd();
        output.WriteLine($"decoded: xid=0x{call.Xid:x} rpcvers={rpcVersion} prog=0x{call.Program:x8} vers={call.Version} proc={call.Procedure} arg=\"{decoded}\"");
        return 0;
    }
}
