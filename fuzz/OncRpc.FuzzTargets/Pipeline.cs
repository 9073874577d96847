using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Auth;
using RoundTrip;
using OncRpc.Protocol;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Tests.Support;
using OncRpc.Xdr;

namespace OncRpc.FuzzTargets;

/// <summary>
/// A server runtime in memory (the call lifecycle every transport uses, driven by the tests'
/// <see cref="OneCallSite"/>), a fresh one per input so a run does not depend on the ones before
/// it. Its program has an at-least-once procedure and at-most-once ones (through the duplicate-request
/// cache) taking generated "every construct" types, beside the generated allconstructs service; AUTH_SHORT is on.
/// Properties of every call: it ends within <see cref="Deadline"/>, nothing escapes the pipeline,
/// and a reply, if any, is an rpc_msg REPLY with the call's xid.
/// </summary>
internal static class Pipeline
{
    public const uint Program = 0x2000_F022;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static readonly byte[] NullVerifierAndIntArgument = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];

    /// <summary>An at-most-once call (FUZZ v1 LIST of one node) with AUTH_NONE: what the
    /// drc-log target replays against the loaded file, and whose persisted entry seeds it.</summary>
    public static readonly byte[] DrcSeedCall =
        [.. CallPrefix(Program, 1, 3, AuthFlavor.None), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 3, 0x6f, 0x6e, 0x65, 0, 0, 0, 0, 0];

    private static readonly RpcProcedureOptions AtMostOnce = new() { Semantics = RpcCallSemantics.AtMostOnce };

    public static RpcServerRuntime CreateRuntime(RpcDispatcher? dispatcher = null, DuplicateRequestCacheOptions? cache = null,
        TimeProvider? time = null, IRpcAuthFlavorHandler? gss = null)
    {
        dispatcher ??= CreateDispatcher();
        var options = new RpcServerOptions
        {
            EnableAuthShort = true,
            AuthShortCacheSize = 4,
            DuplicateRequestCache = cache ?? new DuplicateRequestCacheOptions { MaxEntries = 8, MaxBytes = 64 * 1024 },
            TimeProvider = time ?? TimeProvider.System,
        };
        if (gss is not null)
        {
            // The security flavors' own decoders: RPCSEC_GSS credentials (RFC 2203 §5) through the
            // server's context table, and the AUTH_TLS probe answered as a TLS-capable server does
            // (the program's policy Optional; version 2 of it Required, so plain calls meet TOOWEAK).
            options.AuthFlavors.Add(AuthFlavor.RpcSecGss, gss);
            options.Tls = SecurityTls.Value;
        }
        return new RpcServerRuntime(options, dispatcher, NullLogger.Instance);
    }

    private static readonly Lazy<OncRpc.Transport.RpcServerTlsOptions> SecurityTls = new(() =>
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=fuzz", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        var tls = new OncRpc.Transport.RpcServerTlsOptions
        {
            ServerCertificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1)),
        };
        tls.ProgramPolicies[Program + 1] = OncRpc.Transport.RpcTlsPolicy.Required;
        return tls;
    });

    /// <summary>Runs prefix + middle + suffix as one call on a fresh runtime that also speaks
    /// RPCSEC_GSS and RPC-with-TLS.</summary>
    public static byte[]? RunSecuredCall(byte[] prefix, byte[] middle, byte[] suffix)
    {
        using var gss = new OncRpc.Auth.Gss.RpcSecGssServer();
        using RpcServerRuntime runtime = CreateRuntime(gss: gss);
        return Run(runtime, [.. prefix, .. middle, .. suffix]);
    }

    private static RpcDispatcher CreateDispatcher()
    {
        var dispatcher = new RpcDispatcher();
        dispatcher.Register<XdrInt, XdrInt>(new RpcProcedureDescriptor(Program, 1, 1, "FUZZ", "INC"),
            static (x, _) => ValueTask.FromResult(new XdrInt(x.Value + 1)));
        dispatcher.Register<Everything, Everything>(new RpcProcedureDescriptor(Program, 1, 2, "FUZZ", "ECHO"),
            static (x, _) => ValueTask.FromResult(x), AtMostOnce);
        dispatcher.Register<Node, XdrInt>(new RpcProcedureDescriptor(Program, 1, 3, "FUZZ", "LIST"),
            static (list, _) =>
            {
                int count = 0;
                for (Node? n = list; n is not null; n = n.Next)
                {
                    count++;
                }
                return ValueTask.FromResult(new XdrInt(count));
            }, AtMostOnce);
        new AllConstructsService().Register(dispatcher);
        return dispatcher;
    }

    /// <summary>The generated service base of allconstructs.x (program 0x20000099, version 1): its
    /// registration decodes the generated argument types, multi-argument wrappers included.</summary>
    private sealed class AllConstructsService : AllconstructsV1ServiceBase
    {
        public override ValueTask NullAsync(RpcCallContext context) => default;
        public override ValueTask<Everything> EchoAsync(Everything everything, RpcCallContext context) => new(everything);
        public override ValueTask<int> AddAsync(int arg1, int arg2, RpcCallContext context) => new(unchecked(arg1 + arg2));
        public override ValueTask<string> NameAsync(Point point, RpcCallContext context) => new($"{point.X},{point.Y}");
        public override ValueTask<Color> ColorAsync(Color color, RpcCallContext context) => new(color);
        public override ValueTask<Result> ResultAsync(string arg, RpcCallContext context) => new(new Result.Default(Color.Big, arg));
        public override ValueTask ListAsync(Node node, RpcCallContext context) => default;
        public override ValueTask<bool> FlagAsync(long arg1, ulong arg2, double arg3, RpcCallContext context) => new(arg1 > 0);
    }

    /// <summary>xid, CALL, rpcvers 2, program, version, procedure, credential flavor.</summary>
    public static byte[] CallPrefix(uint program, uint version, uint procedure, AuthFlavor flavor)
    {
        byte[] prefix = new byte[28];
        uint[] words = [0x0F022001, 0, 2, program, version, procedure, (uint)flavor];
        for (int i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(4 * i), words[i]);
        }
        return prefix;
    }

    /// <summary>Runs prefix + middle + suffix as one call on a fresh runtime.</summary>
    public static byte[]? RunCall(byte[] prefix, byte[] middle, byte[] suffix)
    {
        using RpcServerRuntime runtime = CreateRuntime();
        return Run(runtime, [.. prefix, .. middle, .. suffix]);
    }

    /// <summary>An AUTH_SYS call that earns a handle, then a call with <paramref name="body"/> as
    /// its AUTH_SHORT credential (XORed with the handle when <paramref name="relative"/>).</summary>
    public static void RunAuthShort(AuthSysParameters identity, bool relative, byte[] body)
    {
        using RpcServerRuntime runtime = CreateRuntime();
        byte[] sys = [.. CallPrefix(Program, 1, 1, AuthFlavor.Sys), .. Targets.Opaque(identity.ToOpaqueAuth().Body.Span), .. NullVerifierAndIntArgument];
        byte[] reply = Run(runtime, sys) ?? throw new FuzzPropertyException("no reply to an AUTH_SYS call");
        var reader = new XdrReader(reply);
        RpcMessageHeader.ReadFrom(ref reader);
        OpaqueAuth verifier = RpcReplyHeader.ReadBody(ref reader, 0).Verifier;
        if (verifier.Flavor != AuthFlavor.Short)
        {
            throw new FuzzPropertyException($"AUTH_SYS call answered with a {verifier.Flavor} verifier, not a handle");
        }
        if (relative)
        {
            ReadOnlySpan<byte> handle = verifier.Body.Span;
            for (int i = 0; i < Math.Min(body.Length, handle.Length); i++)
            {
                body[i] ^= handle[i];
            }
        }
        Run(runtime, [.. CallPrefix(Program, 1, 1, AuthFlavor.Short), .. Targets.Opaque(body), .. NullVerifierAndIntArgument]);
    }

    /// <summary>Runs one rpc_msg (no record mark) to its end; returns the reply, or null.</summary>
    public static byte[]? Run(RpcServerRuntime runtime, byte[] message, RpcTransportKind transport = RpcTransportKind.Tcp, EndPoint? remote = null)
    {
        Task<byte[]?> call = OneCallSite.RunAsync(runtime, message, transport, remote);
        if (!call.Wait(Deadline))
        {
            throw new FuzzPropertyException($"the call did not end within {Deadline.TotalSeconds} s");
        }
        byte[]? reply = call.Result;
        if (reply is not null)
        {
            CheckReply(message, reply);
        }
        return reply;
    }

    private static void CheckReply(byte[] message, byte[] reply)
    {
        try
        {
            var reader = new XdrReader(reply);
            RpcMessageHeader header = RpcMessageHeader.ReadFrom(ref reader);
            RpcReplyHeader.ReadBody(ref reader, header.Xid);
            if (header.Type != RpcMessageType.Reply || header.Xid != BinaryPrimitives.ReadUInt32BigEndian(message))
            {
                throw new FuzzPropertyException($"reply {header.Type} xid {header.Xid:x8} to a call");
            }
        }
        catch (XdrException e)
        {
            throw new FuzzPropertyException($"the server's reply does not decode: {e.Message}; {Convert.ToHexString(reply)}");
        }
    }
}
