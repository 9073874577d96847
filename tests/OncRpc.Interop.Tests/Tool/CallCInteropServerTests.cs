using System.Globalization;
using OncRpc.Interop.Tests.Infrastructure;

namespace OncRpc.Interop.Tests.Tool;

/// <summary>
/// <c>oncrpc call</c> against the C reference server of interop.x (every XDR construct, built with
/// rpcgen + libtirpc): each value round-trips JSON -> XDR -> C server -> XDR -> JSON unchanged,
/// and each error the server can send is reported in words with the .x's names.
/// </summary>
public sealed class CallCInteropServerTests : IAsyncLifetime
{
    private PeerProcess? _server;

    private string Tcp => $"127.0.0.1:{_server!.TcpPort.ToString(CultureInfo.InvariantCulture)}";

    private string Udp => $"127.0.0.1:{_server!.UdpPort.ToString(CultureInfo.InvariantCulture)}";

    public async ValueTask InitializeAsync()
    {
        CPeerBuild peers = CPeers.Get();
        _server = await peers.StartServerAsync(peers.InteropServer, "both", cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public static TheoryData<string, string> Echoes => InteropValues.Echoes;

    [Theory]
    [MemberData(nameof(Echoes))]
    public Task EveryConstructRoundTripsOverTcp(string procedure, string json) =>
        ToolCall.AssertEchoesAsync(ToolCall.InteropX, Tcp, procedure, json);

    [Fact]
    public async Task TheRecordRoundTripsOverUdp() =>
        await ToolCall.AssertEchoesAsync(ToolCall.InteropX, Udp, "ECHO_RECORD", InteropValues.Record, "udp");

    [Fact]
    public async Task EnumsAndHypersAreAcceptedInTheirOtherForms()
    {
        await ToolCall.AssertEchoesAsync(ToolCall.InteropX, Tcp, "ECHO_COLOR", "2", expected: "\"BLUE\"");
        await ToolCall.AssertEchoesAsync(ToolCall.InteropX, Tcp, "ECHO_HYPER", "\"42\"", expected: "42");
        await ToolCall.AssertEchoesAsync(ToolCall.InteropX, Tcp, "ECHO_PAINTED", """{"c":-1}""", expected: """{"c":"BLACK"}""");
    }

    [Fact]
    public async Task ProceduresAreFoundByProgVersProcInNamesOrNumbers()
    {
        await ToolCall.AssertEchoesAsync(ToolCall.InteropX, Tcp, "INTEROP_PROG.INTEROP_V1.ECHO_INT", "7");
        await ToolCall.AssertEchoesAsync(ToolCall.InteropX, Tcp, "0x31234568.1.1", "8");
        await ToolCall.AssertEchoesAsync(ToolCall.InteropX, Tcp, "824395112.2.ECHO_INT2", "9");
        CallOutcome version = await ToolCall.RunAsync([ToolCall.InteropX, Tcp, "INTEROP_PROG.2.WHICH_VERSION2"]);
        Assert.Equal("2", version.Output.Trim());
        CallOutcome nothing = await ToolCall.RunAsync([ToolCall.InteropX, Tcp, "INTEROP_NULL"]);
        Assert.Equal((0, "null"), (nothing.ExitCode, nothing.Output.Trim()));
    }

    [Fact]
    public async Task AuthSysCarriesTheGivenIdentity()
    {
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX, Tcp, "WHOAMI"], auth: "sys:1234:5678");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        System.Text.Json.Nodes.JsonNode creds = outcome.Json!;
        Assert.Equal(1, (int)creds["flavor"]!);
        Assert.Equal(1234u, (uint)creds["uid"]!);
        Assert.Equal(5678u, (uint)creds["gid"]!);
        CallOutcome none = await ToolCall.RunAsync([ToolCall.InteropX, Tcp, "WHOAMI"]);
        Assert.Equal(0, (int)none.Json!["flavor"]!);
    }

    [Theory]
    [InlineData(1, "INTEROP_PROG (0x31234568) version 1 FAIL: system error (SYSTEM_ERR")]
    [InlineData(2, "INTEROP_PROG (0x31234568) version 1 FAIL: garbage arguments (GARBAGE_ARGS")]
    [InlineData(3, "INTEROP_PROG (0x31234568) version 1 FAIL: authentication error (AUTH_TOOWEAK")]
    [InlineData(4, "INTEROP_PROG (0x31234568) version 1 FAIL: authentication error (AUTH_BADCRED")]
    [InlineData(5, "INTEROP_PROG (0x31234568) version 1 FAIL: procedure unavailable (PROC_UNAVAIL")]
    [InlineData(6, "INTEROP_PROG (0x31234568) version 1 FAIL: timed out: no reply within 0.5 s (--timeout S waits longer)")]
    public async Task EachServerErrorIsReportedInWords(int code, string expected)
    {
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX, Tcp, "FAIL", code.ToString(CultureInfo.InvariantCulture)],
            timeoutSeconds: code == 6 ? 0.5 : 10);
        Assert.Equal(1, outcome.ExitCode);
        Assert.StartsWith("oncrpc call: " + expected, outcome.Error);
        Assert.Empty(outcome.Output);
    }

    [Fact]
    public async Task ProgramAndVersionMismatchesNameTheProgramInHex()
    {
        string directory = CPeers.Get().Directory;
        string x = Path.Combine(directory, $"mismatch-{Guid.NewGuid():N}.x");
        string more = Path.Combine(directory, $"more-{Guid.NewGuid():N}.x");
        await File.WriteAllTextAsync(x, """
            program INTEROP_PROG { version V3 { void NULL3(void) = 0; } = 3; } = 0x31234568;
            program OTHER_PROG { version OTHER_V1 { void NULL_OTHER(void) = 0; } = 1; } = 0x3123ffff;
            """, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(more, """
            program INTEROP_MORE { version MORE_V1 { void MISSING(void) = 99; } = 1; } = 0x31234568;
            """, TestContext.Current.CancellationToken);
        try
        {
            CallOutcome version = await ToolCall.RunAsync([x, Tcp, "NULL3"]);
            Assert.StartsWith("oncrpc call: INTEROP_PROG (0x31234568) version 3 NULL3: program version mismatch (PROG_MISMATCH: the server has versions 1 to 2)",
                version.Error);
            CallOutcome program = await ToolCall.RunAsync([x, Udp, "NULL_OTHER"], "udp");
            Assert.StartsWith("oncrpc call: OTHER_PROG (0x3123ffff) version 1 NULL_OTHER: program unavailable (PROG_UNAVAIL", program.Error);
            CallOutcome procedure = await ToolCall.RunAsync([more, Tcp, "MISSING"]);
            Assert.StartsWith("oncrpc call: INTEROP_MORE (0x31234568) version 1 MISSING: procedure unavailable (PROC_UNAVAIL", procedure.Error);
            Assert.All(new[] { version, program, procedure }, o => Assert.Equal(1, o.ExitCode));
        }
        finally
        {
            File.Delete(x);
            File.Delete(more);
        }
    }

    [Fact]
    public async Task TheArgumentIsReadFromStandardInputWhenOmitted()
    {
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX, Tcp, "ECHO_PAINTED"], stdin: """{"c":"GREEN","label":"from stdin"}""");
        Assert.True(outcome.ExitCode == 0, outcome.ToString());
        Assert.Equal("from stdin", (string)outcome.Json!["label"]!);
    }
}
