using OncRpc.Diagnostics;

namespace OncRpc.Tests.Server;

/// <summary>Log messages name things as the .x does, and fall back to numbers.</summary>
public sealed class LogNamesTests
{
    [Fact]
    public void NamesFromTheXFileComeWithTheirNumbers()
    {
        var descriptor = new RpcProcedureDescriptor(0x31234567, 1, 1, "LOG_PROG", "RLOG") { VersionName = "LOG_VERS" };

        Assert.Equal("RLOG (1)", LogNames.Procedure(descriptor));
        Assert.Equal("LOG_PROG (0x31234567)", LogNames.Program(descriptor));
        Assert.Equal("LOG_VERS (1)", LogNames.Version(descriptor));
    }

    [Fact]
    public void NumbersStandAloneWhenNoNameIsKnown()
    {
        var descriptor = new RpcProcedureDescriptor(100000, 4, 3);

        Assert.Equal("procedure 3", LogNames.Procedure(descriptor));
        Assert.Equal("program 0x000186a0", LogNames.Program(descriptor));
        Assert.Equal("4", LogNames.Version(descriptor));
    }
}
