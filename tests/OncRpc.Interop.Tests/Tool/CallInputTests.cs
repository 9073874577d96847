using OncRpc.Tool.Call;

namespace OncRpc.Interop.Tests.Tool;

/// <summary>
/// <c>oncrpc call</c> refuses what does not fit the .x before anything is sent (exit 2), with the
/// JSONPath of the value and the .x's own bound or name in the message. Port 9 on loopback is never
/// reached: every case here fails while encoding.
/// </summary>
public sealed class CallInputTests
{
    private const string Nowhere = "127.0.0.1:9";

    [Theory]
    [InlineData("ECHO_INT", "{\"i\":", "$: not valid JSON")]
    [InlineData("ECHO_INT", "2147483648", "$: 2147483648 is out of range for int")]
    [InlineData("ECHO_UINT", "-1", "$: -1 is out of range for unsigned int")]
    [InlineData("ECHO_UHYPER", "\"18446744073709551616\"", "$: \"18446744073709551616\" is out of range for unsigned hyper")]
    [InlineData("ECHO_INT", "1.5", "$: 1.5 is not an integer (int)")]
    [InlineData("ECHO_FLOAT", "1e39", "$: 1e39 is out of range for float")]
    [InlineData("ECHO_BOOL", "1", "$: expected true or false, got 1")]
    [InlineData("ECHO_COLOR", "\"PURPLE\"", "$: 'PURPLE' is not a member of enum color (RED, GREEN, BLUE, BLACK)")]
    [InlineData("ECHO_COLOR", "7", "$: 7 is not a value of enum color")]
    [InlineData("ECHO_BYTES", "\"not base64!\"", "$: expected base64 text (opaque)")]
    [InlineData("ECHO_SCALARS", "{\"i\":1}", "$.u: missing (struct scalars has field 'u')")]
    [InlineData("ECHO_PAINTED", "{\"c\":\"RED\",\"label\":\"x\"}", "$.label: unknown member (painted has c, level)")]
    [InlineData("ECHO_CHOICE", "{\"number\":1}", "$.kind: missing (union choice switches on 'kind')")]
    [InlineData("ECHO_CHOICE", "{\"kind\":3}", "$.text: missing (the arm 3 of union choice carries 'text')")]
    [InlineData("ECHO_LIST", "{\"head\":{\"value\":1,\"next\":{\"value\":\"two\",\"next\":null}}}", "$.head.next.value: \"two\" is not an integer (int)")]
    [InlineData("ECHO_INT", "[1]", "$: expected an integer (int), got an array")]
    [InlineData("INTEROP_NULL", "5", "$: INTEROP_NULL takes no argument (void)")]
    public async Task BadArgumentsPointAtTheValue(string procedure, string json, string expected)
    {
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX, Nowhere, procedure, json]);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(expected, outcome.Error);
        Assert.Empty(outcome.Output);
    }

    [Theory]
    [InlineData("name", "\"" + "abcdefghijklmnopqrstuvwxyz0123456\"", "$.name: string longer than 32 (33 bytes)")]
    [InlineData("var_op", "\"AAAAAAAAAAAAAAAAAAAAAAA=\"", "$.var_op: opaque longer than 16 (17 bytes)")]
    [InlineData("fixed_op", "\"AAEC\"", "$.fixed_op: opaque[12] needs exactly 12 bytes, got 3")]
    [InlineData("fixed_arr", "[1,2]", "$.fixed_arr: fixed array needs exactly 3 elements, got 2")]
    [InlineData("var_arr", "[1,2,3,4,5,6,7,8,9]", "$.var_arr: array longer than 8 (9 elements)")]
    public async Task BoundsOfTheXAreEnforced(string field, string value, string expected)
    {
        var blobs = System.Text.Json.Nodes.JsonNode.Parse(InteropValues.Blobs)!.AsObject();
        blobs[field] = System.Text.Json.Nodes.JsonNode.Parse(value);
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX, Nowhere, "ECHO_BLOBS", blobs.ToJsonString()]);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains(expected, outcome.Error);
    }

    [Fact]
    public async Task AnUnknownProcedureListsWhatThereIs()
    {
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX, Nowhere, "ECHO_NOTHING", "1"]);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("no procedure 'ECHO_NOTHING' in interop.x (it has INTEROP_NULL, ECHO_INT,", outcome.Error);
        CallOutcome numbers = await ToolCall.RunAsync([ToolCall.InteropX, Nowhere, "0x31234568.3.1", "1"]);
        Assert.Contains("no procedure '0x31234568.3.1'", numbers.Error);
    }

    [Fact]
    public async Task BadOptionsAreUsageErrors()
    {
        Assert.Contains("-T takes tcp, udp or unix, not 'sctp'",
            (await ToolCall.RunAsync([ToolCall.InteropX, Nowhere, "ECHO_INT", "1"], transport: "sctp")).Error);
        Assert.Contains("--auth takes none, sys or sys:UID:GID, not 'sys:x'",
            (await ToolCall.RunAsync([ToolCall.InteropX, Nowhere, "ECHO_INT", "1"], auth: "sys:x")).Error);
        Assert.Contains("'99999' is not a port",
            (await ToolCall.RunAsync([ToolCall.InteropX, "127.0.0.1:99999", "ECHO_INT", "1"])).Error);
    }

    [Fact]
    public async Task AnXFileWithErrorsShowsTheCompilerDiagnostics()
    {
        string x = Path.Combine(Path.GetTempPath(), $"oncrpc-bad-{Guid.NewGuid():N}.x");
        await File.WriteAllTextAsync(x, "struct s { int a }; program P { version V { void N(void) = 0; } = 1; } = 0x20000001;",
            TestContext.Current.CancellationToken);
        try
        {
            CallOutcome outcome = await ToolCall.RunAsync([x, Nowhere, "N"]);
            Assert.Equal(2, outcome.ExitCode);
            Assert.Contains("error ONCRPC", outcome.Error);
        }
        finally
        {
            File.Delete(x);
        }
    }

    [Fact]
    public async Task ListShowsProgramsVersionsAndProcedureTypes()
    {
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX], list: true);
        Assert.Equal(0, outcome.ExitCode);
        Assert.Contains("INTEROP_PROG (0x31234568)", outcome.Output);
        Assert.Contains("  version 2 (INTEROP_V2)", outcome.Output);
        Assert.Contains(" 16 ECHO_RECORD(record) -> struct record", outcome.Output);
        Assert.Contains(" 18 WHOAMI(void) -> struct creds", outcome.Output);
        Assert.Contains("  9 ECHO_TEXT(interop_text) -> string<>", outcome.Output);
    }

    [Fact]
    public async Task ListsLongerThanJsonCanNestAreRefusedWithAMessage()
    {
        // 5000 nodes: {"head":{"value":0,"next":{"value":1,"next":...null}}}
        var json = new System.Text.StringBuilder("{\"head\":");
        for (int i = 0; i < 5000; i++)
        {
            json.Append("{\"value\":").Append(i).Append(",\"next\":");
        }
        json.Append("null").Append('}', 5001);
        CallOutcome outcome = await ToolCall.RunAsync([ToolCall.InteropX, Nowhere, "ECHO_LIST", json.ToString()]);
        Assert.Equal(2, outcome.ExitCode);
        Assert.Contains("not valid JSON", outcome.Error);

        // The same list coming back from a server: present-flag, value, ... absent-flag.
        var bytes = new List<byte>();
        for (int i = 0; i < 5000; i++)
        {
            bytes.AddRange([0, 0, 0, 1, 0, 0, 0, (byte)i]);
        }
        bytes.AddRange([0, 0, 0, 0]);
        XSpecification spec = XSpecification.Load(ToolCall.InteropX, [], TextWriter.Null)!;
        var error = Assert.Throws<JsonMappingException>(() => OncRpc.Tool.Commands.CallCommand.DecodeResult(spec.Find("ECHO_LIST"), [.. bytes]));
        Assert.Contains("nested more than 4000 levels deep", error.Message);
    }
}
