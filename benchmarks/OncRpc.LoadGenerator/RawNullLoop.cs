using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OncRpc.LoadGenerator;

/// <summary>
/// <c>--api raw</c> and <c>--api raw-async</c>: the floors any .NET client of this machine stands
/// on. NULL calls built by hand (a fixed 44-byte record, only the xid changes) on a TCP socket of
/// this loop's own, no library: no encoder, no pending-call table, no reader role. <c>raw</c>: one
/// blocking send and one blocking receive per call (<see cref="Run"/>); <c>raw-async</c>: the same
/// awaited through .NET's own asynchronous socket (<see cref="RunAsync"/>: <c>SendAsync</c>, then
/// <c>ReceiveAsync</c>, which waits on the runtime's socket engine). What each costs beyond the C
/// client is the runtime's share; what our client costs beyond the floor of its kind is the
/// library's. Checks only that the reply is an accepted SUCCESS for the xid sent (one record per
/// read: with one call in flight the reply's 28 bytes arrive together).
/// </summary>
public sealed class RawNullLoop(EndPoint endPoint, long measureStart, long measureEnd)
{
    private const int CallLength = 44;  // record mark + xid, CALL, rpcvers, prog, vers, proc, AUTH_NONE cred and verf
    private const int ReplyLength = 28; // record mark + xid, REPLY, MSG_ACCEPTED, AUTH_NONE verf, SUCCESS

    private readonly byte[] _call = NewCall();
    private uint _xid = (uint)Random.Shared.Next();

    public CallTally Tally { get; } = new(measureStart);

    public void Run()
    {
        using Socket socket = Connect();
        Span<byte> reply = stackalloc byte[256];
        while (TryStart(out long t0))
        {
            bool ok = socket.Send(_call) == CallLength && IsNullSuccess(reply[..socket.Receive(reply)]);
            if (!Record(t0, ok))
            {
                return;
            }
        }
    }

    public async Task RunAsync()
    {
        using Socket socket = Connect();
        byte[] reply = new byte[256];
        while (TryStart(out long t0))
        {
            bool ok = await socket.SendAsync(_call, SocketFlags.None).ConfigureAwait(false) == CallLength
                && IsNullSuccess(reply.AsSpan(0, await socket.ReceiveAsync(reply, SocketFlags.None).ConfigureAwait(false)));
            if (!Record(t0, ok))
            {
                return;
            }
        }
    }

    /// <summary>False once measuring is over; otherwise the call's start and its next xid, written into the record.</summary>
    private bool TryStart(out long t0)
    {
        t0 = Stopwatch.GetTimestamp();
        if (t0 >= measureEnd)
        {
            return false;
        }
        BinaryPrimitives.WriteUInt32BigEndian(_call.AsSpan(4), ++_xid);
        return true;
    }

    private Socket Connect()
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(endPoint);
        return socket;
    }

    /// <summary>The call record, xid zero.</summary>
    private static byte[] NewCall()
    {
        byte[] call = new byte[CallLength];
        BinaryPrimitives.WriteUInt32BigEndian(call, 0x8000_0000u | (CallLength - 4));
        BinaryPrimitives.WriteUInt32BigEndian(call.AsSpan(12), 2); // RPC version
        BinaryPrimitives.WriteUInt32BigEndian(call.AsSpan(16), BenchProgram.Null.Program);
        BinaryPrimitives.WriteUInt32BigEndian(call.AsSpan(20), BenchProgram.Null.Version);
        BinaryPrimitives.WriteUInt32BigEndian(call.AsSpan(24), BenchProgram.Null.Procedure);
        return call;
    }

    /// <summary>The reply is an accepted SUCCESS for the call just sent.</summary>
    private bool IsNullSuccess(ReadOnlySpan<byte> reply) =>
        reply.Length == ReplyLength
        && BinaryPrimitives.ReadUInt32BigEndian(reply[4..]) == _xid
        && BinaryPrimitives.ReadUInt32BigEndian(reply[8..]) == 1   // REPLY
        && BinaryPrimitives.ReadUInt32BigEndian(reply[12..]) == 0  // MSG_ACCEPTED
        && BinaryPrimitives.ReadUInt32BigEndian(reply[24..]) == 0; // SUCCESS

    /// <summary>Counts the call; false when the loop stops (measuring over, or a failure).</summary>
    private bool Record(long t0, bool ok)
    {
        if (!ok)
        {
            Tally.Failed($"raw NULL call xid {_xid}: no accepted SUCCESS reply of {ReplyLength} bytes");
        }
        return Tally.Record(t0, ok) && ok;
    }
}
