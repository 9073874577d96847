using System.Net;
using OncRpc.Auth;
using OncRpc.Rpcbind.Internal;
using OncRpc.Server;

namespace OncRpc.Rpcbind;

public sealed partial class RpcbindServer
{
    private const int MaxNetidLength = 32;
    private const int MaxAddressLength = 128;

    /// <summary>RPCBPROC_SET (RFC 1833 §2.1): local callers only; the owner is the caller's, not
    /// the one in the request; false when (program, version, netid) exists or the request is bad.</summary>
    internal bool Set(uint version, RpcbindMapping mapping, RpcCallContext context)
    {
        RpcbindCaller caller = RequireLocal(context, "SET");
        bool ok = IsAcceptable(mapping.Netid, mapping.Address)
            && _table.Set(mapping with { Owner = caller.Owner });
        _statistics.Set(version, ok);
        RpcbindLog.Registration(_logger, "SET", mapping.Program, mapping.Version, Printable(mapping.Netid), Printable(mapping.Address), caller.Owner, ok);
        return ok;
    }

    /// <summary>RPCBPROC_UNSET: local callers only; an empty netid removes every netid of
    /// (program, version); only the owner or the superuser may remove.</summary>
    internal bool Unset(uint version, RpcbindMapping mapping, RpcCallContext context)
    {
        RpcbindCaller caller = RequireLocal(context, "UNSET");
        bool ok = mapping.Netid.Length <= MaxNetidLength && _table.Unset(mapping.Program, mapping.Version, mapping.Netid, caller.Owner);
        _statistics.Unset(version, ok);
        RpcbindLog.Registration(_logger, "UNSET", mapping.Program, mapping.Version, Printable(mapping.Netid), "", caller.Owner, ok);
        return ok;
    }

    /// <summary>RPCBPROC_GETADDR (any version of the program, like rpcbind's find_service) and
    /// GETVERSADDR (exactly this version). RFC 1833 §2.1: the netid is that of the transport the
    /// request came over; over the Unix socket the request's netid is used instead (a local
    /// caller asking for a tcp or udp address). "" when not registered.</summary>
    internal string GetAddress(uint version, RpcbindMapping request, RpcCallContext context, bool anyVersion)
    {
        RpcbindCaller caller = RpcbindCaller.From(context);
        string netid = caller.Netid == RpcbindNetid.Local && request.Netid.Length is > 0 and <= MaxNetidLength
            ? request.Netid
            : caller.Netid;
        RpcbindMapping? found = _table.Find(request.Program, request.Version, netid);
        string address = found is not null && (anyVersion || found.Version == request.Version) ? caller.Merge(found) : "";
        _statistics.Lookup(version, request.Program, request.Version, netid, address.Length > 0);
        return address;
    }

    /// <summary>RPCBPROC_GETADDRLIST: every address of exactly (program, version), merged for the caller.</summary>
    internal RpcbindAddressEntryList GetAddressList(RpcbindMapping request, RpcCallContext context)
    {
        RpcbindCaller caller = RpcbindCaller.From(context);
        var entries = new List<RpcbindAddressEntry>();
        foreach (RpcbindMapping mapping in _table.FindAll(request.Program, request.Version))
        {
            if (RpcbindNetid.Netconfig(mapping.Netid) is { } nc)
            {
                entries.Add(new RpcbindAddressEntry(caller.Merge(mapping), mapping.Netid, nc.Semantics, nc.ProtocolFamily, nc.Protocol));
            }
        }
        _statistics.Lookup(RpcbindProtocol.Version4, request.Program, request.Version, caller.Netid, entries.Count > 0);
        return new RpcbindAddressEntryList(entries);
    }

    private void RegisterPortmap(RpcDispatcher dispatcher)
    {
        const uint v2 = RpcbindProtocol.PortmapVersion;
        Add<Xdr.XdrVoid, Xdr.XdrVoid>(dispatcher, v2, RpcbindProtocol.PmapProcNull, (_, _) => default);
        Add<PortmapEntry, Xdr.XdrBool>(dispatcher, v2, RpcbindProtocol.PmapProcSet, (a, c) => new Xdr.XdrBool(PortmapSet(a, c)));
        Add<PortmapEntry, Xdr.XdrBool>(dispatcher, v2, RpcbindProtocol.PmapProcUnset, (a, c) => new Xdr.XdrBool(PortmapUnset(a, c)));
        Add<PortmapEntry, Xdr.XdrUInt>(dispatcher, v2, RpcbindProtocol.PmapProcGetPort, (a, c) => new Xdr.XdrUInt(PortmapGetPort(a, c)));
        Add<Xdr.XdrVoid, PortmapList>(dispatcher, v2, RpcbindProtocol.PmapProcDump, (_, _) => new PortmapList(_table.PortmapSnapshot()));
        AddAsync<RpcbindRemoteCallArgs, PortmapCallResult>(dispatcher, v2, RpcbindProtocol.PmapProcCallIt, PortmapCallItAsync);
    }

    /// <summary>PMAPPROC_SET (RFC 1833 §3): protocol 6/17 becomes netid tcp/udp and the port the
    /// wildcard universal address 0.0.0.0.p1.p2, as Linux's rpcbind records it; lookups then
    /// answer with the address the asker reached us on (mergeaddr).</summary>
    internal bool PortmapSet(PortmapEntry entry, RpcCallContext context)
    {
        RpcbindCaller caller = RequireLocal(context, "PMAPPROC_SET");
        string? netid = NetidOf(entry.Protocol);
        bool ok = netid is not null && entry.Port is > 0 and <= 65535
            && _table.Set(new RpcbindMapping(entry.Program, entry.Version, netid,
                UniversalAddress.Format(IPAddress.Any, (int)entry.Port), caller.Owner));
        _statistics.Set(RpcbindProtocol.PortmapVersion, ok);
        return ok;
    }

    /// <summary>PMAPPROC_UNSET: removes (program, version) over both tcp and udp, if the caller
    /// owns them (rpcbind's pmapproc_change).</summary>
    internal bool PortmapUnset(PortmapEntry entry, RpcCallContext context)
    {
        RpcbindCaller caller = RequireLocal(context, "PMAPPROC_UNSET");
        bool tcp = _table.Unset(entry.Program, entry.Version, RpcbindNetid.Tcp, caller.Owner);
        bool udp = _table.Unset(entry.Program, entry.Version, RpcbindNetid.Udp, caller.Owner);
        _statistics.Unset(RpcbindProtocol.PortmapVersion, tcp || udp);
        return tcp || udp;
    }

    /// <summary>PMAPPROC_GETPORT: the port of (program, any version preferring this one, protocol), or 0.</summary>
    internal uint PortmapGetPort(PortmapEntry entry, RpcCallContext context)
    {
        string? netid = NetidOf(entry.Protocol);
        RpcbindMapping? found = netid is null ? null : _table.Find(entry.Program, entry.Version, netid);
        uint port = found is not null && RegistrationTable.TryPortmap(found, out PortmapEntry pmap) ? pmap.Port : 0;
        _statistics.Lookup(RpcbindProtocol.PortmapVersion, entry.Program, entry.Version, netid ?? "", port != 0);
        return port;
    }

    private static string? NetidOf(uint protocol) => protocol switch
    {
        RpcbindProtocol.IpProtoTcp => RpcbindNetid.Tcp,
        RpcbindProtocol.IpProtoUdp => RpcbindNetid.Udp,
        _ => null,
    };

    private RpcbindCaller RequireLocal(RpcCallContext context, string what)
    {
        RpcbindCaller caller = RpcbindCaller.From(context);
        if (!caller.IsLocal)
        {
            RpcbindLog.RegistrationRefused(_logger, what, context.RemoteEndPoint);
            throw new RpcException(AuthStat.TooWeak, $"{what} is accepted only from local callers");
        }
        return caller;
    }

    private static string Printable(string text) => UniversalAddress.Printable(text);

    /// <summary>Bounded, printable netid; an address that parses for the known netids, bounded
    /// printable text for others.</summary>
    private static bool IsAcceptable(string netid, string address)
    {
        if (netid.Length is 0 or > MaxNetidLength || address.Length is 0 or > MaxAddressLength
            || !IsPrintableAscii(netid) || !IsPrintableAscii(address))
        {
            return false;
        }
        return !RpcbindNetid.TryParse(netid, out _, out _) || UniversalAddress.TryParse(address, netid, out _);
    }

    private static bool IsPrintableAscii(string text)
    {
        foreach (char c in text)
        {
            if (c is <= ' ' or >= '\u007f')
            {
                return false;
            }
        }
        return true;
    }
}
