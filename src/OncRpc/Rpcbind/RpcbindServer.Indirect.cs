using System.Net;
using System.Net.Sockets;
using OncRpc.Auth;
using OncRpc.Client;
using OncRpc.Rpcbind.Internal;
using OncRpc.Server;

namespace OncRpc.Rpcbind;

public sealed partial class RpcbindServer
{
    /// <summary>
    /// CALLIT (v3), BCAST (v4) and INDIRECT (v4), RFC 1833 §2.2.1: looks the target up on the
    /// netid of the transport the request came over (udp for the Unix socket), forwards the
    /// arguments with the caller's AUTH_SYS identity and a short timeout, and answers the target's
    /// merged address with its results. Refused, with AUTH_ERROR / AUTH_TOOWEAK, for callers that
    /// are not local unless configured; refused with PROG_UNAVAIL for rpcbind itself (a loop and
    /// an amplifier). A target that is not registered answers PROG_UNAVAIL, another version
    /// PROG_MISMATCH, a forwarding failure SYSTEM_ERR; the target's own error replies are relayed.
    /// RFC 1833 wants CALLIT/BCAST silent on failure; the server runtime has no way for a handler
    /// to drop a call yet, so they answer the same errors as INDIRECT (broadcast clients,
    /// libtirpc's included, keep only successful replies).
    /// </summary>
    internal async ValueTask<RpcbindRemoteCallResult> RemoteCallAsync(uint version, RpcbindRemoteCallArgs arguments,
        RpcCallContext context, bool indirect)
    {
        RpcbindCaller caller = RpcbindCaller.From(context);
        string netid = caller.Netid == RpcbindNetid.Local ? RpcbindNetid.Udp : caller.Netid;
        bool success = false;
        try
        {
            (RpcbindMapping target, ReadOnlyMemory<byte> results) = await ForwardAsync(
                caller, netid, arguments.Program, arguments.Version, arguments.Procedure, arguments.Arguments, context).ConfigureAwait(false);
            success = true;
            return new RpcbindRemoteCallResult(caller.Merge(target), results);
        }
        finally
        {
            _statistics.RemoteCall(version, arguments.Program, arguments.Version, arguments.Procedure, netid, indirect, success);
        }
    }

    /// <summary>PMAPPROC_CALLIT (RFC 1833 §3): the same over UDP, answering the target's port.</summary>
    internal async ValueTask<PortmapCallResult> PortmapCallItAsync(RpcbindRemoteCallArgs arguments, RpcCallContext context)
    {
        RpcbindCaller caller = RpcbindCaller.From(context);
        bool success = false;
        try
        {
            (RpcbindMapping target, ReadOnlyMemory<byte> results) = await ForwardAsync(
                caller, RpcbindNetid.Udp, arguments.Program, arguments.Version, arguments.Procedure, arguments.Arguments, context).ConfigureAwait(false);
            success = true;
            return new PortmapCallResult(RegistrationTable.TryPortmap(target, out PortmapEntry pmap) ? pmap.Port : 0, results);
        }
        finally
        {
            _statistics.RemoteCall(RpcbindProtocol.PortmapVersion, arguments.Program, arguments.Version, arguments.Procedure,
                RpcbindNetid.Udp, indirect: false, success);
        }
    }

    private async ValueTask<(RpcbindMapping Target, ReadOnlyMemory<byte> Results)> ForwardAsync(RpcbindCaller caller, string netid,
        uint program, uint version, uint procedure, ReadOnlyMemory<byte> arguments, RpcCallContext context)
    {
        if (!caller.IsLocal && !_options.AllowRemoteIndirectCalls)
        {
            RpcbindLog.IndirectRefused(_logger, program, context.RemoteEndPoint, "not a local caller");
            throw new RpcException(AuthStat.TooWeak, "indirect calls are accepted only from local callers");
        }
        if (program == RpcbindProtocol.Program)
        {
            RpcbindLog.IndirectRefused(_logger, program, context.RemoteEndPoint, "rpcbind itself");
            throw new RpcException(RpcStatus.ProgramUnavailable, "rpcbind does not call itself indirectly");
        }
        RpcbindMapping? target = _table.Find(program, version, netid);
        if (target is null)
        {
            throw new RpcException(RpcStatus.ProgramUnavailable, $"program {program} is not registered on {netid}");
        }
        if (target.Version != version)
        {
            (uint low, uint high) = _table.VersionRange(program, netid);
            throw new RpcException(RpcStatus.ProgramMismatch, $"program {program} version {version} is not registered", low, high);
        }
        if (!UniversalAddress.TryParse(target.Address, target.Netid, out EndPoint endPoint) || endPoint is not IPEndPoint ip)
        {
            throw new RpcException(RpcStatus.SystemError, $"registered address '{UniversalAddress.Printable(target.Address)}' cannot be called");
        }
        if (ip.Address.Equals(IPAddress.Any) || ip.Address.Equals(IPAddress.IPv6Any))
        {
            ip = new IPEndPoint(ip.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, ip.Port);
        }
        if (!_forwards.Wait(0))
        {
            throw new RpcException(RpcStatus.SystemError, "too many indirect calls in flight");
        }
        try
        {
            var options = new RpcClientOptions
            {
                Timeout = _options.ForwardTimeout,
                RetransmitInterval = TimeSpan.FromMilliseconds(Math.Min(500, _options.ForwardTimeout.TotalMilliseconds)),
                MaxRetransmitInterval = _options.ForwardTimeout,
                Reconnect = false,
                Credentials = context.UnixCredential is { } unix ? new AuthSysCredentials(unix, useShortHandles: false) : RpcCredentials.None,
            };
            var descriptor = new RpcProcedureDescriptor(program, version, procedure);
            await using RpcClient client = target.Netid is RpcbindNetid.Udp or RpcbindNetid.Udp6
                ? RpcClient.CreateUdp(ip, options)
                : await RpcClient.ConnectTcpAsync(ip, options, context.CancellationToken).ConfigureAwait(false);
            RawXdr results = await client.CallAsync<RawXdr, RawXdr>(descriptor, new RawXdr(arguments), context.CancellationToken)
                .ConfigureAwait(false);
            return (target, results.Bytes);
        }
        catch (RpcException e) when (e.Status is RpcStatus.TimedOut or RpcStatus.CannotBind or RpcStatus.ConnectionLost
            or RpcStatus.CannotDecodeReply or RpcStatus.MessageTooLarge or RpcStatus.RpcMismatch)
        {
            throw new RpcException(RpcStatus.SystemError, $"forwarding to program {program} failed: {e.Message}", e);
        }
        finally
        {
            _forwards.Release();
        }
    }
}
