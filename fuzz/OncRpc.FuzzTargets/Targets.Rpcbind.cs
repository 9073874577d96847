using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Auth;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Xdr;

namespace OncRpc.FuzzTargets;

public static partial class Targets
{
    private static readonly IPEndPoint s_localCaller = new(IPAddress.Loopback, 700);
    private static readonly IPEndPoint s_remoteCaller = new(IPAddress.Parse("192.0.2.7"), 40000);

    /// <summary>
    /// rpcbind/portmap (RFC 1833). The arguments (input from byte 2 on) go through every decoder a
    /// client applies to an rpcbind's answers (each re-encoding to the bytes read) and the universal
    /// address parser, then to our rpcbind server as one call: byte 0 picks the version (2, 3, 4),
    /// the transport (bit 2: UDP) and a local caller (bit 3; SET and UNSET are local-only), byte 1
    /// the procedure. Indirect calls (CALLIT, BCAST, INDIRECT) always come from a remote caller, so
    /// they are refused before any forwarding: a fuzz run sends nothing on the network.
    /// </summary>
    private static void RpcbindTarget(byte[] input)
    {
        byte select = input.Length > 0 ? input[0] : (byte)0;
        uint procedure = input.Length > 1 ? input[1] % 16u : 0;
        byte[] arguments = input.Length > 2 ? input[2..] : [];

        ClientDecoders(arguments);
        string text = Encoding.Latin1.GetString(arguments.AsSpan(0, Math.Min(arguments.Length, 160)));
        UniversalAddress.TryParse(text, out IPEndPoint _);
        foreach (string netid in (ReadOnlySpan<string>)[RpcbindNetid.Tcp, RpcbindNetid.Udp6, RpcbindNetid.Local])
        {
            UniversalAddress.TryParse(text, netid, out EndPoint _);
        }

        uint version = (uint)(select % 3) + RpcbindProtocol.PortmapVersion;
        bool indirect = procedure == RpcbindProtocol.PmapProcCallIt || (version == RpcbindProtocol.Version4 && procedure == RpcbindProtocol.ProcIndirect);
        EndPoint caller = (select & 8) != 0 && !indirect ? s_localCaller : s_remoteCaller;
        RpcTransportKind transport = (select & 4) != 0 ? RpcTransportKind.Udp : RpcTransportKind.Tcp;

        var server = new RpcbindServer(new RpcbindServerOptions { MaxRegistrations = 8 });
        server.Table.Set(new RpcbindMapping(100003, 3, RpcbindNetid.Tcp, "127.0.0.1.8.1", "superuser"));
        server.Table.Set(new RpcbindMapping(100003, 3, RpcbindNetid.Udp, "127.0.0.1.8.1", "superuser"));
        server.Table.Set(new RpcbindMapping(100005, 1, RpcbindNetid.Tcp6, "::1.3.241", "1000"));
        var dispatcher = new RpcDispatcher();
        server.Register(dispatcher);
        using var runtime = new RpcServerRuntime(new RpcServerOptions(), dispatcher, NullLogger.Instance);
        byte[] message = [.. Pipeline.CallPrefix(RpcbindProtocol.Program, version, procedure, AuthFlavor.Sys),
            .. Opaque(new AuthSysParameters(0, "fuzz", 1000, 100, []).ToOpaqueAuth().Body.Span), 0, 0, 0, 0, 0, 0, 0, 0, .. arguments];
        Pipeline.Run(runtime, message, transport, caller);
    }

    private static void ClientDecoders(byte[] arguments)
    {
        Fuzz<RpcbindMapping>(arguments);
        Fuzz<RpcbindMappingList>(arguments);
        Fuzz<RpcbindRemoteCallArgs>(arguments);
        Fuzz<RpcbindRemoteCallResult>(arguments);
        Fuzz<RpcbindAddressEntryList>(arguments);
        Fuzz<RpcbindStatistics>(arguments);
        Fuzz<NetBuffer>(arguments);
        Fuzz<PortmapList>(arguments);
        Fuzz<PortmapCallResult>(arguments);
        Fuzz<PortmapEntry>(arguments);
    }

    private static T? Fuzz<T>(ReadOnlySpan<byte> input) where T : IXdrSerializable<T> =>
        RoundTrip(input, (ref XdrReader r) => T.ReadFrom(ref r), (ref XdrWriter w, T v) => v.WriteTo(ref w));
}
