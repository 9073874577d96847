using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.Benchmarks.Runtime;

/// <summary>
/// What the library adds to a sequential blocking NULL call over loopback TCP, with nothing else
/// in the figure: one thread plays both ends and writes the reply for the next xid before each
/// call, so the client's read finds it at once and nothing blocks or switches. Each operation is
/// the same four system calls either way (the reply written, the call sent, the reply read, the
/// call drained); the baseline sends a hand-built call and reads the reply on a plain socket, so
/// the difference is the client's own work: encoding, the pending-call table, the reader role,
/// decoding. <see cref="AwaitedCall"/> makes the same calls awaited, one after another, as a
/// sequential async caller does: after the first, each runs on the client's event loop thread (the
/// previous call's continuation, run inline there), so it adds what the awaited path does beyond the
/// blocking one (an epoll_wait, the loop's dispatch, the held outcome and its continuation) and
/// still never blocks. (In a real round trip the two processes alternate on the CPU and the same work also
/// costs its cache refills: docs/performance.md, eighth round.)
/// </summary>
[MemoryDiagnoser]
[MinColumn, MedianColumn]
public class WaitingReplyBenchmarks
{
    private const int CallLength = 44;
    private const int AwaitedPerInvoke = 1024;
    private static readonly RpcProcedureDescriptor Null = new(0x3123_4569, 1, 0);
    private readonly byte[] _reply = new byte[28];
    private readonly byte[] _call = new byte[CallLength];
    private readonly byte[] _scratch = new byte[64 * 1024];
    private Socket _listener = null!;
    private Socket _server = null!;     // the accepted end of the client's connection
    private Socket _rawServer = null!;  // the accepted end of the raw socket
    private Socket _raw = null!;
    private RpcClient _client = null!;
    private uint _xid;
    private uint _rawXid;

    [GlobalSetup]
    public void Setup()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(2);
        var endPoint = (IPEndPoint)_listener.LocalEndPoint!;
        BinaryPrimitives.WriteUInt32BigEndian(_reply, 0x8000_0000u | 24);
        BinaryPrimitives.WriteUInt32BigEndian(_reply.AsSpan(8), 1); // REPLY; MSG_ACCEPTED, AUTH_NONE, SUCCESS are zeros

        // The client's first call learns its xid: later ones count up from it.
        _client = RpcClient.CreateTcp(endPoint);
        Task first = Task.Run(() => _client.Call<XdrVoid, XdrVoid>(Null, default));
        _server = _listener.Accept();
        for (int got = 0; got < CallLength;)
        {
            got += _server.Receive(_scratch.AsSpan(got, CallLength - got));
        }
        _xid = BinaryPrimitives.ReadUInt32BigEndian(_scratch.AsSpan(4));
        Answer(_server, _xid);
        first.Wait();

        _raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _raw.Connect(endPoint);
        _rawServer = _listener.Accept();
        BinaryPrimitives.WriteUInt32BigEndian(_call, 0x8000_0000u | (CallLength - 4));
        BinaryPrimitives.WriteUInt32BigEndian(_call.AsSpan(12), 2);
        BinaryPrimitives.WriteUInt32BigEndian(_call.AsSpan(16), Null.Program);
        BinaryPrimitives.WriteUInt32BigEndian(_call.AsSpan(20), Null.Version);
        foreach (Socket server in new[] { _server, _rawServer })
        {
            server.NoDelay = true;
            server.Blocking = false; // draining finds the call there; never waits
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw.Dispose();
        _server.Dispose();
        _rawServer.Dispose();
        _listener.Dispose();
    }

    [Benchmark(Baseline = true)]
    public int RawSocket()
    {
        _rawXid++;
        Answer(_rawServer, _rawXid);
        BinaryPrimitives.WriteUInt32BigEndian(_call.AsSpan(4), _rawXid);
        _raw.Send(_call);
        int read = _raw.Receive(_scratch);
        return read + Drain(_rawServer);
    }

    [Benchmark]
    public int ClientCall()
    {
        _xid++;
        Answer(_server, _xid);
        _client.Call<XdrVoid, XdrVoid>(Null, default);
        return Drain(_server);
    }

    /// <summary>Awaited calls in a row: the first continues on the event loop, the rest start there.</summary>
    [Benchmark(OperationsPerInvoke = AwaitedPerInvoke)]
    public int AwaitedCall() => AwaitedCallsAsync().GetAwaiter().GetResult();

    private async Task<int> AwaitedCallsAsync()
    {
        int drained = 0;
        for (int i = 0; i < AwaitedPerInvoke; i++)
        {
            _xid++;
            Answer(_server, _xid);
            await _client.CallAsync<XdrVoid, XdrVoid>(Null, default);
            drained += Drain(_server);
        }
        return drained;
    }

    private void Answer(Socket server, uint xid)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_reply.AsSpan(4), xid);
        server.Send(_reply);
    }

    private int Drain(Socket server)
    {
        int read = server.Receive(_scratch, SocketFlags.None, out SocketError error);
        return error == SocketError.Success ? read : 0;
    }
}
