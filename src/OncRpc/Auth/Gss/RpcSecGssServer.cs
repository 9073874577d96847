using System.Buffers;
using System.Net;
using OncRpc.Auth.Gss.Internal;
using OncRpc.Xdr;

namespace OncRpc.Auth.Gss;

/// <summary>
/// The server side of RPCSEC_GSS version 1 (RFC 2203) with Kerberos V5: register it for
/// <see cref="AuthFlavor.RpcSecGss"/> in <see cref="Server.RpcServerOptions.AuthFlavors"/>. It
/// answers context creation (INIT / CONTINUE_INIT on the NULL procedure) and destruction itself;
/// data calls reach their procedure with an <see cref="RpcGssPrincipal"/> as the call's principal,
/// their arguments checked or decrypted before decoding and their results protected the same way.
/// The service key comes from the default keytab (the KRB5_KTNAME environment variable, set before
/// the process starts). Refusals follow RFC 2203 §5.3.3: unknown context -> CREDPROBLEM, expired
/// context or exhausted sequence numbers -> CTXPROBLEM, bad header checksum -> CREDPROBLEM,
/// replayed or too old sequence number -> discarded without reply, bad argument checksum or
/// undecryptable arguments -> GARBAGE_ARGS, a service weaker than required -> AUTH_TOOWEAK.
/// </summary>
public sealed class RpcSecGssServer : IRpcAuthFlavorHandler, IDisposable
{
    private readonly IGssMechanism _mechanism;
    private readonly GssContextTable _contexts;
    private readonly RpcSecGssServerOptions _options;

    /// <summary>A server accepting Kerberos V5 contexts.</summary>
    public RpcSecGssServer(RpcSecGssServerOptions? options = null)
        : this(options, KerberosGssMechanism.Instance)
    {
    }

    internal RpcSecGssServer(RpcSecGssServerOptions? options, IGssMechanism mechanism)
    {
        _options = options ?? new RpcSecGssServerOptions();
        _options.Validate();
        _mechanism = mechanism;
        _contexts = new GssContextTable(_options.MaxContexts, _options.MaxContextsPerClient, _options.IdleTimeout, _options.TimeProvider);
    }

    /// <summary>Contexts currently held.</summary>
    public int ContextCount => _contexts.Count;

    /// <inheritdoc />
    public RpcAuthFlavorResult Authenticate(in RpcAuthFlavorRequest request)
    {
        if (!GssCredential.TryDecode(request.Credential, out GssCredential credential, out ReadOnlySpan<byte> handle))
        {
            return RpcAuthFlavorResult.Reject(AuthStat.BadCred);
        }
        return credential.Proc switch
        {
            GssProc.Init or GssProc.ContinueInit => Establish(request, credential, handle),
            _ => Data(request, credential, handle),
        };
    }

    /// <summary>INIT and CONTINUE_INIT (RFC 2203 §5.2.2): NULL procedure calls carrying a GSS token.</summary>
    private RpcAuthFlavorResult Establish(in RpcAuthFlavorRequest request, GssCredential credential, ReadOnlySpan<byte> handle)
    {
        if (request.Procedure != 0)
        {
            return RpcAuthFlavorResult.Reject(AuthStat.BadCred);
        }
        ReadOnlySpan<byte> arguments = request.Arguments;
        if (!GssXdr.TryReadOpaque(ref arguments, out ReadOnlySpan<byte> token))
        {
            return RpcAuthFlavorResult.Reject(AuthStat.BadCred);
        }
        GssServerContext? context;
        if (credential.Proc == GssProc.Init)
        {
            IGssContext gss = _mechanism.CreateAcceptor();
            context = _contexts.TryCreate((request.RemoteEndPoint as IPEndPoint)?.Address, gss, _options.SequenceWindow);
            if (context is null)
            {
                gss.Dispose();
                return RpcAuthFlavorResult.Reject(AuthStat.RpcSecGssCredProblem);
            }
        }
        else
        {
            context = _contexts.Find(handle, out _);
            if (context is null || context.Established)
            {
                return RpcAuthFlavorResult.Reject(AuthStat.RpcSecGssCredProblem);
            }
        }

        GssStepStatus status;
        byte[]? outgoing;
        try
        {
            status = context.Gss.Step(token, out outgoing);
        }
        catch (Exception)
        {
            status = GssStepStatus.Failed;
            outgoing = null;
        }
        var result = new GssInitResult(context.Handle, 0, 0, (uint)_options.SequenceWindow, outgoing ?? []);
        OpaqueAuth verifier = default;
        switch (status)
        {
            case GssStepStatus.Complete:
                context.PrincipalName = context.Gss.PeerName;
                context.Established = true;
                // RFC 2203 §5.2.3.1: the verifier of the final answer is the MIC of seq_window.
                verifier = new OpaqueAuth(AuthFlavor.RpcSecGss, GssXdr.Mic(context.Gss, (uint)_options.SequenceWindow));
                break;
            case GssStepStatus.ContinueNeeded:
                result = result with { Major = GssInitResult.ContinueNeeded };
                break;
            default:
                _contexts.Remove(context);
                result = result with { Handle = Array.Empty<byte>(), Major = GssInitResult.Failure };
                break;
        }
        var encoded = new ArrayBufferWriter<byte>(64 + result.Token.Length);
        XdrSerializer.Serialize(result, encoded);
        return RpcAuthFlavorResult.AnswerWith(encoded.WrittenMemory, verifier);
    }

    /// <summary>DATA and DESTROY (RFC 2203 §5.3.3, §5.4).</summary>
    private RpcAuthFlavorResult Data(in RpcAuthFlavorRequest request, GssCredential credential, ReadOnlySpan<byte> handle)
    {
        GssServerContext? context = _contexts.Find(handle, out bool expired);
        if (context is null || !context.Established)
        {
            // A context we never made, or destroyed: the client must make a new one. One we
            // forgot for idleness: CTXPROBLEM, which libtirpc and the Linux kernel renegotiate on.
            return RpcAuthFlavorResult.Reject(expired ? AuthStat.RpcSecGssCtxProblem : AuthStat.RpcSecGssCredProblem);
        }
        if (credential.Sequence >= GssCredential.MaxSequence)
        {
            return RpcAuthFlavorResult.Reject(AuthStat.RpcSecGssCtxProblem);
        }
        if (request.VerifierFlavor != AuthFlavor.RpcSecGss)
        {
            return RpcAuthFlavorResult.Reject(AuthStat.BadVerf);
        }
        bool headerOk;
        try
        {
            headerOk = context.Gss.VerifyMic(request.CallHeader, request.Verifier);
        }
        catch (Exception)
        {
            headerOk = false;
        }
        if (!headerOk)
        {
            // RFC 2203 §5.3.3.4.2: a verifier that fails GSS_VerifyMIC is CREDPROBLEM.
            return RpcAuthFlavorResult.Reject(AuthStat.RpcSecGssCredProblem);
        }
        if (!context.Window.TryAccept(credential.Sequence))
        {
            // RFC 2203 §5.3.3.1: a replayed sequence number, or one below the window, is
            // discarded silently (the reply to the original, if any, is on its way).
            return RpcAuthFlavorResult.Discard();
        }
        if (credential.Service < _options.MinimumService)
        {
            return RpcAuthFlavorResult.Reject(AuthStat.TooWeak);
        }
        OpaqueAuth replyVerifier;
        try
        {
            replyVerifier = new OpaqueAuth(AuthFlavor.RpcSecGss, GssXdr.Mic(context.Gss, credential.Sequence));
        }
        catch (ObjectDisposedException)
        {
            // Evicted or destroyed by another call meanwhile: the client makes a new one.
            return RpcAuthFlavorResult.Reject(AuthStat.RpcSecGssCtxProblem);
        }
        IRpcMessageProtection? protection = credential.Service == RpcGssService.None
            ? null
            : new Protection(context.Gss, credential.Service, credential.Sequence);
        if (credential.Proc == GssProc.Destroy)
        {
            // RFC 2203 §5.4: answered (void results, protected as the call was), then forgotten.
            var results = new ArrayBufferWriter<byte>(128);
            protection?.ProtectResults([], results);
            _contexts.Remove(context);
            return RpcAuthFlavorResult.AnswerWith(results.WrittenMemory.ToArray(), replyVerifier);
        }
        return RpcAuthFlavorResult.Accept(new RpcGssPrincipal(context.PrincipalName ?? "", credential.Service), replyVerifier, protection);
    }

    /// <summary>Integrity or privacy of one call (RFC 2203 §5.3.2).</summary>
    private sealed class Protection(IGssContext gss, RpcGssService service, uint sequence) : IRpcMessageProtection
    {
        public bool TryUnprotectArguments(ReadOnlySpan<byte> protectedArguments, IBufferWriter<byte> arguments) =>
            GssXdr.TryUnprotect(gss, service, sequence, protectedArguments, arguments);

        public void ProtectResults(ReadOnlySpan<byte> results, IBufferWriter<byte> output) =>
            GssXdr.Protect(gss, service, sequence, results, output);
    }

    /// <summary>Forgets every context.</summary>
    public void Dispose() => _contexts.Dispose();
}
