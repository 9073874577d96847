using System.Buffers;
using OncRpc.Auth.Gss.Internal;
using OncRpc.Client;
using OncRpc.Xdr;

namespace OncRpc.Auth.Gss;

public sealed partial class RpcSecGssCredentials
{
    /// <summary>Context creation (RFC 2203 §5.2): INIT, then CONTINUE_INIT while the mechanism
    /// needs more round trips, each a NULL procedure call carrying the token.</summary>
    private async Task<Session> NegotiateAsync(CancellationToken cancellationToken)
    {
        var exchange = new Exchange(this);
        while (exchange.NextCall(out XdrOpaque token, out RpcCallOptions options))
        {
            GssInitResult result = await _client.CallAsync<XdrOpaque, GssInitResult>(_null, token, options, cancellationToken).ConfigureAwait(false);
            exchange.OnResult(result);
        }
        return exchange.Finish();
    }

    /// <summary>The blocking twin of <see cref="NegotiateAsync"/>.</summary>
    private Session Negotiate(CancellationToken cancellationToken)
    {
        var exchange = new Exchange(this);
        while (exchange.NextCall(out XdrOpaque token, out RpcCallOptions options))
        {
            exchange.OnResult(_client.Call<XdrOpaque, GssInitResult>(_null, token, options, cancellationToken));
        }
        return exchange.Finish();
    }

    /// <summary>The state of one context creation, shared by the async and blocking loops.</summary>
    private sealed class Exchange
    {
        private readonly RpcSecGssCredentials _owner;
        private readonly IGssContext _gss;
        private readonly InitCredentials _init;
        private GssStepStatus _status;
        private byte[]? _token;
        private GssInitResult _result;
        private bool _serverDone;

        public Exchange(RpcSecGssCredentials owner)
        {
            _owner = owner;
            _init = new InitCredentials(owner.Service);
            _gss = owner._mechanism.CreateInitiator(owner.TargetName);
            Step([]);
        }

        private void Step(ReadOnlySpan<byte> incoming)
        {
            try
            {
                _status = _gss.Step(incoming, out _token);
            }
            catch (Exception e)
            {
                _gss.Dispose();
                throw new RpcException(AuthStat.Failed, $"the GSS mechanism failed for {_owner.TargetName}: {e.Message}");
            }
            if (_status == GssStepStatus.Failed)
            {
                _gss.Dispose();
                throw new RpcException(AuthStat.Failed, $"the GSS mechanism refused the context with {_owner.TargetName}");
            }
        }

        public bool NextCall(out XdrOpaque token, out RpcCallOptions options)
        {
            token = new XdrOpaque(_token ?? []);
            options = new RpcCallOptions(Credentials: _init);
            if (_serverDone)
            {
                return false;
            }
            _init.Proc = _init.Handle.Length == 0 ? GssProc.Init : GssProc.ContinueInit;
            return true;
        }

        public void OnResult(GssInitResult result)
        {
            _result = result;
            if (result.Major is not (GssInitResult.Complete or GssInitResult.ContinueNeeded))
            {
                _gss.Dispose();
                throw new RpcException(AuthStat.RpcSecGssCredProblem,
                    $"the server refused the RPCSEC_GSS context (GSS major 0x{result.Major:x}, minor 0x{result.Minor:x})");
            }
            _init.Handle = result.Handle.ToArray();
            if (_status == GssStepStatus.ContinueNeeded)
            {
                Step(result.Token.Span);
            }
            _serverDone = result.Major == GssInitResult.Complete;
            if (!_serverDone && _status == GssStepStatus.Complete && (_token is null || _token.Length == 0))
            {
                _gss.Dispose();
                throw new RpcException(AuthStat.Failed, "the server wants another round but the mechanism has nothing more to send");
            }
        }

        public Session Finish()
        {
            // RFC 2203 §5.2.3.1.1: the final answer's verifier must be the MIC of seq_window.
            if (_status != GssStepStatus.Complete || _init.ReplyVerifier is not { } verifier
                || !GssXdr.VerifyMic(_gss, _result.SequenceWindow, verifier.Body.Span))
            {
                _gss.Dispose();
                throw new RpcException(AuthStat.InvalidResp, "the server's RPCSEC_GSS context answer did not verify");
            }
            _owner.Negotiations++;
            return new Session(_gss, _init.Handle, _result.SequenceWindow);
        }
    }

    /// <summary>The credential of INIT / CONTINUE_INIT calls: no verifier, nothing protected; it
    /// keeps the answer's verifier for <see cref="Exchange.Finish"/>. It names the service the
    /// context will use: libtirpc's server fixes a context's service from its INIT credential.</summary>
    private sealed class InitCredentials(RpcGssService service) : RpcCredentials
    {
        public GssProc Proc;
        public byte[] Handle = [];
        public OpaqueAuth? ReplyVerifier;

        public override AuthFlavor Flavor => AuthFlavor.RpcSecGss;

        public override OpaqueAuth GetCredential() =>
            new(AuthFlavor.RpcSecGss, new GssCredential(Proc, 0, service, Handle).Encode());

        public override void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier) => ReplyVerifier = verifier;
    }

    /// <inheritdoc />
    public override bool OnRejected(OpaqueAuth credentialSent, AuthStat stat)
    {
        if (!IsContextProblem(stat))
        {
            return false;
        }
        _negotiating.Wait();
        try
        {
            RenewIfCurrent(credentialSent, () => Negotiate(CancellationToken.None));
        }
        finally
        {
            _negotiating.Release();
        }
        return true;
    }

    /// <inheritdoc />
    public override async ValueTask<bool> OnRejectedAsync(OpaqueAuth credentialSent, AuthStat stat, CancellationToken cancellationToken)
    {
        if (!IsContextProblem(stat))
        {
            return false;
        }
        await _negotiating.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsCurrent(credentialSent))
            {
                Replace(await NegotiateAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        finally
        {
            _negotiating.Release();
        }
        return true;
    }

    /// <summary>RFC 2203 §5.3.3.3: the server lost or ended the context; a new one is needed.</summary>
    private bool IsContextProblem(AuthStat stat) =>
        !_disposed && stat is AuthStat.RpcSecGssCredProblem or AuthStat.RpcSecGssCtxProblem;

    /// <summary>Only the first call refused on a context renegotiates; the others find the new one.</summary>
    private bool IsCurrent(OpaqueAuth credentialSent) => GssCredential.HandleOf(credentialSent.Body.Span).SequenceEqual(_session.Handle);

    private void RenewIfCurrent(OpaqueAuth credentialSent, Func<Session> negotiate)
    {
        if (IsCurrent(credentialSent))
        {
            Replace(negotiate());
        }
    }

    private void Replace(Session session)
    {
        // The session before stays readable for replies still in flight; the one before that goes.
        _previous?.Gss.Dispose();
        _previous = _session;
        _session = session;
    }

    /// <summary>Destroys the context on the server (RPCSEC_GSS_DESTROY, RFC 2203 §5.4), best
    /// effort, and releases the GSS context.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            var destroy = new DestroyCredentials(this);
            await _client.CallAsync<XdrVoid, XdrVoid>(_null, default, new RpcCallOptions(Credentials: destroy)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or TimeoutException or OperationCanceledException or ObjectDisposedException)
        {
            // The server may already have forgotten the context, or be gone: nothing to undo.
        }
        _previous?.Gss.Dispose();
        _session.Gss.Dispose();
        _negotiating.Dispose();
    }

    /// <summary>The DESTROY call: a data call on the context with gss_proc DESTROY.</summary>
    private sealed class DestroyCredentials(RpcSecGssCredentials owner) : RpcCredentials
    {
        public override AuthFlavor Flavor => AuthFlavor.RpcSecGss;

        public override bool ProtectsMessages => owner.ProtectsMessages;

        public override OpaqueAuth GetCredential() => owner.Credential(GssProc.Destroy);

        public override OpaqueAuth GetVerifier(OpaqueAuth credential, ReadOnlySpan<byte> callHeader) => owner.GetVerifier(credential, callHeader);

        public override void ProtectArguments(OpaqueAuth credential, ReadOnlySpan<byte> arguments, IBufferWriter<byte> output) =>
            owner.ProtectArguments(credential, arguments, output);

        public override void UnprotectResults(OpaqueAuth credentialSent, ReadOnlySpan<byte> results, IBufferWriter<byte> output) =>
            owner.UnprotectResults(credentialSent, results, output);

        public override void OnReplyVerifier(OpaqueAuth credentialSent, OpaqueAuth verifier) => owner.OnReplyVerifier(credentialSent, verifier);
    }
}
