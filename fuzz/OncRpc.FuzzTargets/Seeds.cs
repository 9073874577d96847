using System.Buffers;
using System.Buffers.Binary;
using OncRpc.Auth;
using OncRpc.Protocol;
using OncRpc.Rpcbind;
using OncRpc.Server;
using OncRpc.Server.Internal;
using OncRpc.Transport;
using OncRpc.Xdr;
using RoundTrip;

namespace OncRpc.FuzzTargets;

/// <summary>
/// The seed corpus (fuzz/corpus/TARGET/): real messages, each written by the runtime's own
/// encoders or captured from the server (the persisted log), so afl starts from inputs that reach
/// deep into each decoder. `OncRpc.FuzzTargets --make-seeds fuzz/corpus` rewrites them.
/// </summary>
public static class Seeds
{
    private static readonly AuthSysParameters s_identity = new(7, "client.example", 1000, 100, [100, 4, 27]);

    public static void Write(string root)
    {
        foreach ((string target, string name, byte[] bytes) in All())
        {
            string directory = Path.Combine(root, target);
            Directory.CreateDirectory(directory);
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }
    }

    private static IEnumerable<(string Target, string Name, byte[] Bytes)> All()
    {
        byte[] nullCall = Xdr((ref XdrWriter w) => new RpcCallHeader(1, 100000, 2, 0, OpaqueAuth.None, OpaqueAuth.None).WriteTo(ref w));
        byte[] sysCall = Xdr((ref XdrWriter w) =>
        {
            new RpcCallHeader(2, 100003, 3, 1, s_identity.ToOpaqueAuth(), OpaqueAuth.None).WriteTo(ref w);
            w.WriteFixedOpaque(new byte[32]);
        });
        byte[] getPort = Xdr((ref XdrWriter w) =>
        {
            new RpcCallHeader(3, 100000, 2, 3, OpaqueAuth.None, OpaqueAuth.None).WriteTo(ref w);
            new PortmapEntry(100003, 3, 6, 0).WriteTo(ref w);
        });
        byte[] reply = Xdr((ref XdrWriter w) => { RpcReplyHeader.Success(1).WriteTo(ref w); w.WriteInt32(42); });

        // Record marking: one call in one fragment, a call in 17-byte fragments, two records, a
        // reply after an empty fragment, and a header alone.
        yield return ("record", "one-call", Records((nullCall, int.MaxValue)));
        yield return ("record", "fragments", Records((sysCall, 17)));
        yield return ("record", "two-records", Records((getPort, 1024), (reply, 8)));
        yield return ("record", "empty-last", [0x00, 0x00, 0x00, 0x00, .. Records((reply, 64))]);
        yield return ("record", "huge-header", [0x7f, 0xff, 0xff, 0xff, 1]);

        yield return ("call", "null-auth-none", nullCall);
        yield return ("call", "auth-sys", sysCall);
        yield return ("call", "portmap-getport", getPort);
        yield return ("call", "rpcvers-3", [0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 3]);

        yield return ("reply", "success", reply);
        yield return ("reply", "success-short-verifier", Xdr((ref XdrWriter w) => RpcReplyHeader.Success(2, new OpaqueAuth(AuthFlavor.Short, new byte[8])).WriteTo(ref w)));
        yield return ("reply", "prog-mismatch", Xdr((ref XdrWriter w) => RpcReplyHeader.Accepted(3, AcceptStat.ProgramMismatch, 2, 4).WriteTo(ref w)));
        yield return ("reply", "garbage-args", Xdr((ref XdrWriter w) => RpcReplyHeader.Accepted(4, AcceptStat.GarbageArguments).WriteTo(ref w)));
        yield return ("reply", "rpc-mismatch", Xdr((ref XdrWriter w) => RpcReplyHeader.RpcMismatch(5, 2, 2).WriteTo(ref w)));
        yield return ("reply", "auth-error", Xdr((ref XdrWriter w) => RpcReplyHeader.AuthError(6, AuthStat.TooWeak).WriteTo(ref w)));

        yield return ("auth-sys", "identity", s_identity.ToOpaqueAuth().Body.ToArray());
        yield return ("auth-sys", "empty", new AuthSysParameters(0, "", 0, 0, []).ToOpaqueAuth().Body.ToArray());
        yield return ("auth-sys", "sixteen-gids", new AuthSysParameters(1, "h", 0, 0, [.. Enumerable.Range(1, 16).Select(i => (uint)i)]).ToOpaqueAuth().Body.ToArray());

        yield return ("auth-short", "our-handle", [1, 0, 0, 0, 0, 0, 0, 0, 0]);
        yield return ("auth-short", "foreign-handle", [0, 1, 2, 3, 4, 5, 6, 7, 8]);

        // rpc_gss_cred_t (RFC 2203 §5): version 1, RPCSEC_GSS_DATA, seq_num, rpc_gss_svc_none, handle;
        // then a RPCSEC_GSS verifier (a MIC) and an int argument. The input starts at the credential's length.
        byte[] gssCred = Xdr((ref XdrWriter w) => { w.WriteUInt32(1); w.WriteUInt32(0); w.WriteUInt32(1); w.WriteUInt32(1); w.WriteOpaque("ctx-0001"u8); });
        byte[] gssInit = Xdr((ref XdrWriter w) => { w.WriteUInt32(1); w.WriteUInt32(1); w.WriteUInt32(0); w.WriteUInt32(1); w.WriteOpaque([]); });
        yield return ("rpcsec-gss", "data", Xdr((ref XdrWriter w) => { w.WriteOpaque(gssCred); w.WriteUInt32(6); w.WriteOpaque(new byte[28]); w.WriteInt32(7); }));
        yield return ("rpcsec-gss", "init", Xdr((ref XdrWriter w) => { w.WriteOpaque(gssInit); w.WriteUInt32(0); w.WriteOpaque([]); w.WriteOpaque(new byte[40]); }));

        // RFC 9289 §4.1: the probe is a NULL call, AUTH_TLS credential with an empty body, AUTH_NONE verifier.
        yield return ("tls-probe", "probe", [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

        var mapping = new RpcbindMapping(100003, 3, "tcp", "127.0.0.1.8.1", "superuser");
        yield return ("rpcbind", "v2-getport", [0, 3, .. Xdr((ref XdrWriter w) => new PortmapEntry(100003, 3, 6, 0).WriteTo(ref w))]);
        yield return ("rpcbind", "v2-set-local", [8, 1, .. Xdr((ref XdrWriter w) => new PortmapEntry(100021, 1, 17, 4045).WriteTo(ref w))]);
        yield return ("rpcbind", "v2-dump", [0, 4]);
        yield return ("rpcbind", "v2-callit", [4, 5, .. Xdr((ref XdrWriter w) => new RpcbindRemoteCallArgs(100003, 3, 0, new byte[] { 0, 0, 0, 1 }).WriteTo(ref w))]);
        yield return ("rpcbind", "v3-set-local", [9, 1, .. Xdr((ref XdrWriter w) => mapping.WriteTo(ref w))]);
        yield return ("rpcbind", "v3-getaddr", [1, 3, .. Xdr((ref XdrWriter w) => mapping.WriteTo(ref w))]);
        yield return ("rpcbind", "v3-uaddr2taddr", [1, 7, .. Xdr((ref XdrWriter w) => w.WriteString("127.0.0.1.8.1"))]);
        yield return ("rpcbind", "v3-taddr2uaddr", [1, 8, .. Xdr((ref XdrWriter w) => new NetBuffer(16, new byte[] { 0, 2, 0, 111, 127, 0, 0, 1 }).WriteTo(ref w))]);
        yield return ("rpcbind", "v4-getaddrlist", [2, 11, .. Xdr((ref XdrWriter w) => mapping.WriteTo(ref w))]);
        yield return ("rpcbind", "v4-getversaddr", [2, 9, .. Xdr((ref XdrWriter w) => (mapping with { Netid = "udp6", Address = "::1.8.1" }).WriteTo(ref w))]);
        yield return ("rpcbind", "v4-unset-local", [10, 2, .. Xdr((ref XdrWriter w) => mapping.WriteTo(ref w))]);
        yield return ("rpcbind", "v4-dump-answer", [2, 4, .. Xdr((ref XdrWriter w) => new RpcbindMappingList([mapping, mapping with { Netid = "udp" }]).WriteTo(ref w))]);
        yield return ("rpcbind", "v4-getstat-answer", [2, 12, .. Xdr((ref XdrWriter w) => new RpcbindStatistics(new int[RpcbindProtocol.StatHighProc], 2, 1,
            [new RpcbindAddressStat(100003, 3, 4, 1, "tcp")], [new RpcbindRemoteCallStat(100003, 3, 0, 1, 0, 1, "udp")]).WriteTo(ref w))]);

        byte[] sysBody = s_identity.ToOpaqueAuth().Body.ToArray();
        yield return ("drc-key", "ipv4-tcp-sys", [0, 1, 127, 0, 0, 1, .. new byte[12], 0x9c, 0x40, .. sysBody]);
        yield return ("drc-key", "ipv6-udp-none", [5, 0, .. new byte[15], 1, 0x03, 0x20]);
        yield return ("drc-key", "mapped-tcp-short", [2, 2, 10, 0, 0, 9, .. new byte[12], 0, 111, 1, 2, 3, 4, 5, 6, 7, 8]);
        yield return ("drc-key", "unix-none", [0x1b, 0]);
        byte[] log = PersistedLog();
        yield return ("drc-log", "two-entries", [0, .. log]);
        yield return ("drc-log", "two-entries-crc-fixed", [1, .. log]);
        yield return ("drc-log", "torn", [0, .. log[..^3]]);

        Everything sample = Driver.Sample();
        yield return ("allconstructs", "everything", [0, .. XdrSerializer.ToArray(sample)]);
        yield return ("allconstructs", "node", [1, .. XdrSerializer.ToArray(sample.List!)]);
        yield return ("allconstructs", "link", [2, .. XdrSerializer.ToArray(sample.Links!)]);
        yield return ("allconstructs", "result-default", [3, .. XdrSerializer.ToArray(sample.Results[1])]);
        yield return ("allconstructs", "flag", [4, .. XdrSerializer.ToArray(sample.Flag)]);
        yield return ("allconstructs", "number", [5, .. XdrSerializer.ToArray(sample.Num)]);
        yield return ("allconstructs", "unsigned", [6, .. XdrSerializer.ToArray(sample.Uns)]);
        yield return ("allconstructs", "add-arguments", [7, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);

        yield return ("server-call", "inc-auth-none", [.. Pipeline.CallPrefix(Pipeline.Program, 1, 1, AuthFlavor.None), 0, 0, 0, 0, .. Pipeline.NullVerifierAndIntArgument]);
        yield return ("server-call", "inc-auth-sys", [.. Pipeline.CallPrefix(Pipeline.Program, 1, 1, AuthFlavor.Sys), .. Targets.Opaque(sysBody), .. Pipeline.NullVerifierAndIntArgument]);
        yield return ("server-call", "list-at-most-once", Pipeline.DrcSeedCall);
        yield return ("server-call", "echo-everything", [.. Pipeline.CallPrefix(0x20000099, 1, 1, AuthFlavor.None), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. XdrSerializer.ToArray(sample)]);
        yield return ("server-call", "echo-at-most-once", [.. Pipeline.CallPrefix(Pipeline.Program, 1, 2, AuthFlavor.Sys), .. Targets.Opaque(sysBody), 0, 0, 0, 0, 0, 0, 0, 0, .. XdrSerializer.ToArray(sample)]);
        yield return ("server-call", "flag-three-arguments", [.. Pipeline.CallPrefix(0x20000099, 1, 7, AuthFlavor.None), .. new byte[12], .. new byte[8], .. new byte[8], 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
        yield return ("server-call", "prog-mismatch", [.. Pipeline.CallPrefix(Pipeline.Program, 9, 1, AuthFlavor.None), .. new byte[12]]);
        yield return ("server-call", "rpcvers-3", [0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 1]);
    }

    /// <summary>A log the server itself wrote: two at-most-once calls completed at <see cref="Targets.FixedTime.Now"/>.</summary>
    private static byte[] PersistedLog()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"oncrpc-fuzz-seed-{Environment.ProcessId}");
        Directory.CreateDirectory(directory);
        try
        {
            var options = new DuplicateRequestCacheOptions { PersistenceDirectory = directory, WriteThrough = false };
            using (RpcServerRuntime runtime = Pipeline.CreateRuntime(cache: options, time: new Targets.FixedTime()))
            {
                Pipeline.Run(runtime, Pipeline.DrcSeedCall);
                byte[] second = [.. Pipeline.DrcSeedCall];
                second[3] ^= 0x40; // another xid
                Pipeline.Run(runtime, second);
            }
            return File.ReadAllBytes(Path.Combine(directory, "duplicate-requests.log"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private delegate void WriteXdr(ref XdrWriter writer);

    private static byte[] Xdr(WriteXdr write)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(output);
        write(ref writer);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    private static byte[] Records(params (byte[] Record, int Fragment)[] records)
    {
        var output = new ArrayBufferWriter<byte>();
        foreach ((byte[] record, int fragment) in records)
        {
            RecordMarking.WriteRecord(output, record, fragment);
        }
        return output.WrittenSpan.ToArray();
    }
}
