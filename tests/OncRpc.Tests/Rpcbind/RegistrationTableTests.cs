using OncRpc.Rpcbind;
using OncRpc.Rpcbind.Internal;

namespace OncRpc.Tests.Rpcbind;

public sealed class RegistrationTableTests
{
    private static RpcbindMapping Map(uint prog, uint vers, string netid, string addr, string owner = "1000") =>
        new(prog, vers, netid, addr, owner);

    [Fact]
    public void SetFailsWhenProgramVersionNetidExists()
    {
        var table = new RegistrationTable();
        Assert.True(table.Set(Map(100003, 3, "tcp", "0.0.0.0.8.1")));
        Assert.False(table.Set(Map(100003, 3, "tcp", "0.0.0.0.8.2")));
        Assert.False(table.Set(Map(100003, 3, "TCP", "0.0.0.0.8.1")));   // netids compare ignoring case
        Assert.True(table.Set(Map(100003, 3, "udp", "0.0.0.0.8.1")));
        Assert.True(table.Set(Map(100003, 4, "tcp", "0.0.0.0.8.1")));
        Assert.Equal(3, table.Count);
    }

    [Fact]
    public void UnsetWithEmptyNetidRemovesEveryNetidOfTheOwner()
    {
        var table = new RegistrationTable();
        table.Set(Map(100003, 3, "tcp", "0.0.0.0.8.1"));
        table.Set(Map(100003, 3, "udp", "0.0.0.0.8.1"));
        table.Set(Map(100003, 3, "tcp6", "::.8.1"));
        table.Set(Map(100003, 4, "tcp", "0.0.0.0.8.1"));
        Assert.True(table.Unset(100003, 3, "", "1000"));
        Assert.Equal([Map(100003, 4, "tcp", "0.0.0.0.8.1")], table.Snapshot());
        Assert.False(table.Unset(100003, 3, "", "1000")); // nothing left to remove
    }

    [Fact]
    public void UnsetByAnotherOwnerIsRefusedAndRemovesNothing()
    {
        var table = new RegistrationTable();
        table.Set(Map(200000, 1, "tcp", "0.0.0.0.4.0", "1000"));
        table.Set(Map(200000, 1, "udp", "0.0.0.0.4.0", "1001"));
        Assert.False(table.Unset(200000, 1, "tcp", "1001"));
        Assert.False(table.Unset(200000, 1, "", "1000"));   // the udp entry is 1001's
        Assert.Equal(2, table.Count);
        Assert.False(table.Unset(200000, 1, "tcp", RegistrationTable.Unknown));
        Assert.True(table.Unset(200000, 1, "udp", "1001"));
        Assert.True(table.Unset(200000, 1, "", RegistrationTable.Superuser)); // superuser removes anyone's
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void FindPrefersTheExactVersionElseAnyVersionOfTheProgramOnThatNetid()
    {
        var table = new RegistrationTable();
        table.Set(Map(100005, 1, "udp", "0.0.0.0.3.1"));
        table.Set(Map(100005, 3, "udp", "0.0.0.0.3.3"));
        table.Set(Map(100005, 3, "tcp", "0.0.0.0.3.4"));
        Assert.Equal("0.0.0.0.3.3", table.Find(100005, 3, "udp")!.Address);
        Assert.Equal("0.0.0.0.3.1", table.Find(100005, 1, "udp")!.Address);
        Assert.Equal(3u, table.Find(100005, 2, "udp")!.Version);   // another version: the last seen
        Assert.Null(table.Find(100005, 3, "udp6"));
        Assert.Null(table.Find(100006, 3, "udp"));
        Assert.Equal((1u, 3u), table.VersionRange(100005, "udp"));
        Assert.Equal((0u, 0u), table.VersionRange(100006, "udp"));
    }

    [Fact]
    public void PortmapViewShowsIPv4TcpAndUdpOnly()
    {
        var table = new RegistrationTable();
        table.Set(Map(100000, 4, "tcp", "0.0.0.0.0.111"));
        table.Set(Map(100000, 4, "udp", "0.0.0.0.0.111"));
        table.Set(Map(100000, 4, "tcp6", "::.0.111"));
        table.Set(Map(100000, 4, "local", "/run/rpcbind.sock"));
        table.Set(Map(300000, 1, "tcp", "not-an-address"));
        Assert.Equal(
            [new PortmapEntry(100000, 4, 6, 111), new PortmapEntry(100000, 4, 17, 111)],
            table.PortmapSnapshot());
    }

    [Fact]
    public void TableIsBounded()
    {
        var table = new RegistrationTable(maxEntries: 2);
        Assert.True(table.Set(Map(1, 1, "tcp", "0.0.0.0.0.1")));
        Assert.True(table.Set(Map(1, 2, "tcp", "0.0.0.0.0.1")));
        Assert.False(table.Set(Map(1, 3, "tcp", "0.0.0.0.0.1")));
    }

    [Fact]
    public void StatisticsCountWhatWasServedAndStayBounded()
    {
        var stats = new StatisticsCollector();
        stats.Procedure(2, 3);
        stats.Procedure(2, 3);
        stats.Procedure(4, 12);
        stats.Procedure(4, 99);           // out of range: ignored
        stats.Set(3, true);
        stats.Set(3, false);
        stats.Unset(4, true);
        stats.Lookup(2, 100003, 3, "udp", true);
        stats.Lookup(2, 100003, 3, "udp", false);
        stats.RemoteCall(4, 100005, 1, 0, "udp", indirect: true, success: true);
        for (uint p = 0; p < 1000; p++)
        {
            stats.Lookup(3, p, 1, "tcp", false);
        }
        RpcbindStatisticsByVersion snapshot = stats.Snapshot();
        Assert.Equal(2, snapshot.Version2.ProcedureCounts[3]);
        Assert.Equal(1, snapshot.Version4.ProcedureCounts[12]);
        Assert.Equal(1, snapshot.Version3.SetCount);
        Assert.Equal(1, snapshot.Version4.UnsetCount);
        Assert.Equal([new RpcbindAddressStat(100003, 3, 1, 1, "udp")], snapshot.Version2.AddressLookups);
        Assert.Equal([new RpcbindRemoteCallStat(100005, 1, 0, 1, 0, 1, "udp")], snapshot.Version4.RemoteCalls);
        Assert.Equal(StatisticsCollector.MaxListEntries, snapshot.Version3.AddressLookups.Count);
    }
}
