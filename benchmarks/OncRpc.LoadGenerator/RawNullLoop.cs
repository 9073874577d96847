using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OncRpc.LoadGenerator;

/// <summary>
/// <c>--api raw</c>: the floor any .NET client of this machine stands on. NULL calls built by
/// hand (a fixed 44-byte record, only the xid changes) on a TCP socket of this loop's own, one
/// blocking send and one blocking receive per call, no library: no encoder, no pending-call
/// table, no reader role, no awaiting. What it costs beyond the C client is the runtime's share;
/// what our client costs beyond it is the library's. Checks only that the reply is an accepted
/// SUCCESS for the xid sent (one record per read: with one call in flight the reply's 28 bytes
/// arrive together).
/// </summary>
public sealed class RawNullLoop(EndPoint endPoint, long measureStart, long measureEnd)
{
    private const int CallLength = 44;  // record mark + xid, CALL, rpcvers, prog, vers, proc, AUTH_NONE cred and verf
    private const int ReplyLength = 28; // record mark + xid, REPLY, MSG_ACCEPTED, AUTH_NONE verf, SUCCESS

    public CallTally Tally { get; } = new(measureStart);

    public void Run()
    {
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(endPoint);
        Span<byte> call = stackalloc byte[CallLength];
        call.Clear();
        BinaryPrimitives.WriteUInt32BigEndian(call, 0x8000_0000u | (CallLength - 4));
        BinaryPrimitives.WriteUInt32BigEndian(call[12..], 2); // RPC version
        BinaryPrimitives.WriteUInt32BigEndian(call[16..], BenchProgram.Null.Program);
        BinaryPrimitives.WriteUInt32BigEndian(call[20..], BenchProgram.Null.Version);
        BinaryPrimitives.WriteUInt32BigEndian(call[24..], BenchProgram.Null.Procedure);
        Span<byte> reply = stackalloc byte[256];
        uint xid = (uint)Random.Shared.Next();
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (t0 >= measureEnd)
            {
                return;
            }
            xid++;
            BinaryPrimitives.WriteUInt32BigEndian(call[4..], xid);
            bool ok = socket.Send(call) == CallLength && socket.Receive(reply) == ReplyLength
                && BinaryPrimitives.ReadUInt32BigEndian(reply[4..]) == xid
                && BinaryPrimitives.ReadUInt32BigEndian(reply[8..]) == 1   // REPLY
                && BinaryPrimitives.ReadUInt32BigEndian(reply[12..]) == 0  // MSG_ACCEPTED
                && BinaryPrimitives.ReadUInt32BigEndian(reply[24..]) == 0; // SUCCESS
            if (!ok)
            {
                Tally.Failed($"raw NULL call xid {xid}: no accepted SUCCESS reply of {ReplyLength} bytes");
            }
            if (!Tally.Record(t0, ok) || !ok)
            {
                return;
            }
        }
    }
}
