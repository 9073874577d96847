using System.Text.Json.Nodes;
using OncRpc.Interop.Tests.Infrastructure;
using OncRpc.Tool.Call;
using OncRpc.Tool.Commands;

namespace OncRpc.Interop.Tests.Tool;

/// <summary>What one <c>oncrpc call</c> printed and returned.</summary>
internal sealed record CallOutcome(int ExitCode, string Output, string Error)
{
    public JsonNode? Json => JsonNode.Parse(Output);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Output}\n--- stderr ---\n{Error}";
}

/// <summary>Runs <c>oncrpc call</c> in-process (the command's own entry point, with captured
/// output) against the test data's .x files.</summary>
internal static class ToolCall
{
    public static string InteropX => Path.Combine(CPeers.TestDataDirectory, "x", "interop.x");

    public static string LogX => Path.Combine(CPeers.TestDataDirectory, "x", "log.x");

    public static async Task<CallOutcome> RunAsync(string[] operands, string transport = "tcp", string auth = "none",
        double timeoutSeconds = 10, bool list = false, string? stdin = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var request = new CallRequest(transport, auth, TimeSpan.FromSeconds(timeoutSeconds));
        int exit = await CallCommand.RunAsync(operands, list, [], request, new StringReader(stdin ?? ""), output, error,
            TestContext.Current.CancellationToken);
        return new CallOutcome(exit, output.ToString(), error.ToString());
    }

    /// <summary>Asserts that calling <paramref name="procedure"/> with <paramref name="json"/>
    /// printed the same JSON back (JSON -> XDR -> server echo -> XDR -> JSON).</summary>
    public static async Task AssertEchoesAsync(string x, string target, string procedure, string json, string transport = "tcp",
        string? expected = null)
    {
        CallOutcome outcome = await RunAsync([x, target, procedure, json], transport);
        Assert.True(outcome.ExitCode == 0, $"{procedure} {json}: {outcome}");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected ?? json), outcome.Json),
            $"{procedure}: sent {json}, expected {expected ?? json}, got {outcome.Output}");
    }
}
