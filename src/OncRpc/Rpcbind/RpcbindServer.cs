using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OncRpc.Binding;
using OncRpc.Rpcbind.Internal;
using OncRpc.Server;
using OncRpc.Xdr;

namespace OncRpc.Rpcbind;

/// <summary>
/// rpcbind and the port mapper (RFC 1833 versions 2, 3 and 4) as an <see cref="IRpcService"/>:
/// add it to an <see cref="RpcServer"/> listening on TCP and UDP port 111 and the Unix socket,
/// then call <see cref="RegisterSelf"/> with the server's end points. See docs/rpcbind.md.
/// <para>Safety: SET and UNSET are accepted only from local callers (loopback addresses or the
/// Unix socket; others get AUTH_ERROR / AUTH_TOOWEAK, as rpcbind's check_access answers); a
/// registration's owner is the caller's AUTH_SYS uid ("superuser" for 0, "unknown" without
/// AUTH_SYS), and only that owner or the superuser may UNSET it. Indirect calls are forwarded for
/// local callers only unless <see cref="RpcbindServerOptions.AllowRemoteIndirectCalls"/>, and
/// never to rpcbind itself.</para>
/// </summary>
public sealed partial class RpcbindServer : IRpcService
{
    private readonly RpcbindServerOptions _options;
    private readonly RegistrationTable _table;
    private readonly StatisticsCollector _statistics = new();
    private readonly SemaphoreSlim _forwards;
    private readonly ILogger _logger;

    /// <summary>Creates the service; refusals and registrations are logged to
    /// <paramref name="loggerFactory"/>'s "OncRpc.Rpcbind" category (nowhere by default).</summary>
    public RpcbindServer(RpcbindServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _logger = loggerFactory?.CreateLogger("OncRpc.Rpcbind") ?? NullLogger.Instance;
        _options = (options ?? new RpcbindServerOptions()).Validate();
        _table = new RegistrationTable(_options.MaxRegistrations);
        _forwards = new SemaphoreSlim(_options.MaxConcurrentForwards, _options.MaxConcurrentForwards);
    }

    /// <summary>Every registration, in registration order (what DUMP answers).</summary>
    public IReadOnlyList<RpcbindMapping> Registrations => _table.Snapshot();

    /// <summary>What GETSTAT would answer now.</summary>
    public RpcbindStatisticsByVersion Statistics => _statistics.Snapshot();

    internal RegistrationTable Table => _table;

    /// <summary>Registers rpcbind itself, as Linux's rpcbind does at start: versions 4, 3 and 2 on
    /// every TCP and UDP end point (version 2 only over IPv4) and 4 and 3 on the Unix socket,
    /// owner "superuser". Pass <see cref="RpcServer.EndPoints"/> after the server started.</summary>
    public void RegisterSelf(IEnumerable<RpcInstanceEndpoint> endPoints)
    {
        ArgumentNullException.ThrowIfNull(endPoints);
        foreach ((RpcTransportKind transport, EndPoint endPoint) in endPoints)
        {
            string netid = RpcbindNetid.For(transport, endPoint.AddressFamily);
            string address = UniversalAddress.Format(endPoint);
            _table.Set(new(RpcbindProtocol.Program, RpcbindProtocol.Version4, netid, address, RegistrationTable.Superuser));
            _table.Set(new(RpcbindProtocol.Program, RpcbindProtocol.Version3, netid, address, RegistrationTable.Superuser));
            if (netid is RpcbindNetid.Tcp or RpcbindNetid.Udp)
            {
                _table.Set(new(RpcbindProtocol.Program, RpcbindProtocol.PortmapVersion, netid, address, RegistrationTable.Superuser));
            }
        }
    }

    /// <summary>Adds every procedure of versions 2, 3 and 4 to <paramref name="dispatcher"/>.</summary>
    public void Register(RpcDispatcher dispatcher) => Register(dispatcher, portmapOnly: false);

    /// <summary>Adds version 2 only when <paramref name="portmapOnly"/> (an old port mapper, for tests).</summary>
    internal void Register(RpcDispatcher dispatcher, bool portmapOnly)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        RegisterPortmap(dispatcher);
        if (portmapOnly)
        {
            return;
        }
        foreach (uint version in (ReadOnlySpan<uint>)[RpcbindProtocol.Version3, RpcbindProtocol.Version4])
        {
            uint v = version;
            Add<XdrVoid, XdrVoid>(dispatcher, v, RpcbindProtocol.ProcNull, (_, _) => default);
            Add<RpcbindMapping, XdrBool>(dispatcher, v, RpcbindProtocol.ProcSet, (a, c) => new XdrBool(Set(v, a, c)));
            Add<RpcbindMapping, XdrBool>(dispatcher, v, RpcbindProtocol.ProcUnset, (a, c) => new XdrBool(Unset(v, a, c)));
            Add<RpcbindMapping, XdrString>(dispatcher, v, RpcbindProtocol.ProcGetAddr, (a, c) => new XdrString(GetAddress(v, a, c, anyVersion: true)));
            Add<XdrVoid, RpcbindMappingList>(dispatcher, v, RpcbindProtocol.ProcDump, (_, _) => new RpcbindMappingList(_table.Snapshot()));
            AddAsync<RpcbindRemoteCallArgs, RpcbindRemoteCallResult>(dispatcher, v, RpcbindProtocol.ProcCallIt,
                (a, c) => RemoteCallAsync(v, a, c, indirect: false));
            Add<XdrVoid, XdrUInt>(dispatcher, v, RpcbindProtocol.ProcGetTime,
                (_, _) => new XdrUInt((uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            Add<XdrString, NetBuffer>(dispatcher, v, RpcbindProtocol.ProcUaddr2Taddr, (a, _) => SocketAddressCodec.ToNetBuffer(a.Value));
            Add<NetBuffer, XdrString>(dispatcher, v, RpcbindProtocol.ProcTaddr2Uaddr, (a, _) => new XdrString(SocketAddressCodec.ToUniversalAddress(a)));
        }
        const uint v4 = RpcbindProtocol.Version4;
        Add<RpcbindMapping, XdrString>(dispatcher, v4, RpcbindProtocol.ProcGetVersAddr, (a, c) => new XdrString(GetAddress(v4, a, c, anyVersion: false)));
        AddAsync<RpcbindRemoteCallArgs, RpcbindRemoteCallResult>(dispatcher, v4, RpcbindProtocol.ProcIndirect,
            (a, c) => RemoteCallAsync(v4, a, c, indirect: true));
        Add<RpcbindMapping, RpcbindAddressEntryList>(dispatcher, v4, RpcbindProtocol.ProcGetAddrList, (a, c) => GetAddressList(a, c));
        Add<XdrVoid, RpcbindStatisticsByVersion>(dispatcher, v4, RpcbindProtocol.ProcGetStat, (_, _) => _statistics.Snapshot());
    }

    // Synchronous handlers: counted in GETSTAT, then wrapped in a completed ValueTask.
    private void Add<TArgs, TResult>(RpcDispatcher dispatcher, uint version, uint procedure, Func<TArgs, RpcCallContext, TResult> handler)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult> =>
        dispatcher.Register<TArgs, TResult>(RpcbindProtocol.Descriptor(version, procedure), (args, context) =>
        {
            _statistics.Procedure(version, procedure);
            return ValueTask.FromResult(handler(args, context));
        });

    private void AddAsync<TArgs, TResult>(RpcDispatcher dispatcher, uint version, uint procedure, RpcHandler<TArgs, TResult> handler)
        where TArgs : IXdrSerializable<TArgs>
        where TResult : IXdrSerializable<TResult> =>
        dispatcher.Register<TArgs, TResult>(RpcbindProtocol.Descriptor(version, procedure), (args, context) =>
        {
            _statistics.Procedure(version, procedure);
            return handler(args, context);
        });
}
