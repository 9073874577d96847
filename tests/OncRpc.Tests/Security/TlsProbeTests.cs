using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using OncRpc.Server;
using OncRpc.Testing.Tls;
using OncRpc.Tests.Support;
using OncRpc.Transport;
using OncRpc.Xdr;

namespace OncRpc.Tests.Security;

/// <summary>
/// The AUTH_TLS probe (RFC 9289 §4.1) on the wire, byte by byte from a raw socket: the exact
/// STARTTLS reply, and every misuse answered or cut off with nothing executed.
/// </summary>
public sealed class TlsProbeTests : IAsyncLifetime
{
    private const uint Program = 0x20000311;
    private const uint AuthTls = 7;
    private static readonly RpcProcedureDescriptor Null = new(Program, 1, 0, "PROBE_PROG", "NULL");
    private static readonly RpcProcedureDescriptor Count = new(Program, 1, 1, "PROBE_PROG", "COUNT");

    private RpcServer _server = null!;
    private int _invocations;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = new RpcServer(new RpcServerOptions { Tls = new RpcServerTlsOptions { ServerCertificate = TlsCertificates.Shared.Server } });
        _server.Dispatcher
            .Register<XdrVoid, XdrVoid>(Null, (_, _) => { Interlocked.Increment(ref _invocations); return ValueTask.FromResult(default(XdrVoid)); })
            .Register<XdrVoid, XdrVoid>(Count, (_, _) => { Interlocked.Increment(ref _invocations); return ValueTask.FromResult(default(XdrVoid)); });
        _server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0)).ListenUdp(new IPEndPoint(IPAddress.Loopback, 0));
        await _server.StartAsync(Ct);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private EndPoint EndPoint(RpcTransportKind kind) => _server.EndPoints.First(e => e.Transport == kind).EndPoint;

    private static byte[] Probe(uint xid, uint procedure = 0) => RpcBytes.CallMessage(xid, Program, 1, procedure, credFlavor: AuthTls);

    private static byte[] Record(byte[] message) => RpcBytes.Fragment(message);

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(EndPoint(RpcTransportKind.Tcp), Ct);
        return socket;
    }

    /// <summary>One reply record, or null at end of stream.</summary>
    private static async Task<byte[]?> ReadRecordAsync(Socket socket)
    {
        byte[] header = new byte[4];
        if (!await ReadExactlyAsync(socket, header))
        {
            return null;
        }
        byte[] body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header) & 0x7fff_ffff];
        return await ReadExactlyAsync(socket, body) ? body : null;
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, byte[] buffer)
    {
        for (int read = 0; read < buffer.Length;)
        {
            int n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, Ct);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    [Fact]
    public async Task The_probe_is_answered_accepted_with_the_starttls_verifier()
    {
        using Socket socket = await ConnectAsync();
        await socket.SendAsync(Record(Probe(0x51)), Ct);
        byte[] reply = (await ReadRecordAsync(socket))!;
        // xid, REPLY, MSG_ACCEPTED, verifier AUTH_NONE length 8 "STARTTLS", SUCCESS, no result.
        Assert.Equal(RpcBytes.SuccessWithVerifier(0x51, 0, "STARTTLS"u8.ToArray()), reply);
        Assert.Equal(0, _invocations); // the probe is answered by the auth stage, not the NULL handler
    }

    [Fact]
    public async Task Auth_tls_on_a_procedure_other_than_null_is_badcred_and_runs_nothing()
    {
        using Socket socket = await ConnectAsync();
        await socket.SendAsync(Record(Probe(0x52, procedure: 1)), Ct);
        Assert.Equal(RpcBytes.AuthError(0x52, 1), await ReadRecordAsync(socket));
        Assert.Equal(0, _invocations);
    }

    [Fact]
    public async Task Auth_tls_over_udp_is_badcred()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        await socket.SendToAsync(Probe(0x53), EndPoint(RpcTransportKind.Udp), Ct);
        byte[] buffer = new byte[512];
        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, Ct);
        Assert.Equal(RpcBytes.AuthError(0x53, 1), buffer[..n]);
    }

    [Fact]
    public async Task A_call_sent_behind_the_probe_closes_the_connection_unexecuted()
    {
        using Socket socket = await ConnectAsync();
        // RFC 9289: the client waits for the probe's reply; bytes that follow at once cannot be
        // the TLS handshake.
        await socket.SendAsync(XdrBytes.Concat(Record(Probe(0x54)), Record(RpcBytes.CallMessage(0x55, Program, 1, 1))), Ct);
        Assert.Equal(RpcBytes.SuccessWithVerifier(0x54, 0, "STARTTLS"u8.ToArray()), await ReadRecordAsync(socket));
        Assert.Null(await ReadRecordAsync(socket));
        Assert.Equal(0, _invocations);
    }

    [Fact]
    public async Task Plain_bytes_instead_of_a_handshake_close_the_connection_unexecuted()
    {
        using Socket socket = await ConnectAsync();
        await socket.SendAsync(Record(Probe(0x56)), Ct);
        Assert.NotNull(await ReadRecordAsync(socket));
        await socket.SendAsync(Record(RpcBytes.CallMessage(0x57, Program, 1, 1)), Ct);
        byte[] rest = new byte[256];
        int n;
        while ((n = await socket.ReceiveAsync(rest, SocketFlags.None, Ct)) > 0)
        {
            // A TLS alert may come back; never an RPC reply.
            Assert.NotEqual(0x80, rest[0] & 0x80);
        }
        Assert.Equal(0, _invocations);
        // The server serves the next connection as usual.
        using Socket next = await ConnectAsync();
        await next.SendAsync(Record(RpcBytes.CallMessage(0x58, Program, 1, 1)), Ct);
        Assert.Equal(RpcBytes.Success(0x58), await ReadRecordAsync(next));
        Assert.Equal(1, _invocations);
    }
}
