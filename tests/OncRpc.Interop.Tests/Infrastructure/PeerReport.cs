using System.Globalization;

namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>One "ok NAME key=value..." or "fail NAME key=value..." line of a C client.</summary>
public sealed record PeerCheck(string Name, bool Ok, IReadOnlyDictionary<string, string> Fields, string Line)
{
    /// <summary>A field's value, or null.</summary>
    public string? this[string key] => Fields.TryGetValue(key, out var v) ? v : null;

    /// <summary>The clnt_stat name without its number: "RPC_PROGVERSMISMATCH" for
    /// "stat=RPC_PROGVERSMISMATCH(9)".</summary>
    public string? Stat => StripNumber(this["stat"]);

    /// <summary>The auth_stat name of an RPC_AUTHERROR: "AUTH_TOOWEAK" for "why=AUTH_TOOWEAK(5)".</summary>
    public string? Why => StripNumber(this["why"]);

    private static string? StripNumber(string? value)
    {
        if (value is null)
        {
            return null;
        }
        var paren = value.IndexOf('(', StringComparison.Ordinal);
        return paren < 0 ? value : value[..paren];
    }
}

/// <summary>
/// The parsed output of a C client (tests/TestData/c/peer_common.h describes the format):
/// result lines, the closing "summary ok=N fail=M", and the raw process result.
/// </summary>
public sealed class PeerReport
{
    private PeerReport(ProcessResult process, IReadOnlyList<PeerCheck> checks, int? summaryOk, int? summaryFail)
    {
        Process = process;
        Checks = checks;
        SummaryOk = summaryOk;
        SummaryFail = summaryFail;
    }

    public ProcessResult Process { get; }

    public IReadOnlyList<PeerCheck> Checks { get; }

    public int? SummaryOk { get; }

    public int? SummaryFail { get; }

    public static PeerReport Parse(ProcessResult process)
    {
        var checks = new List<PeerCheck>();
        int? ok = null, fail = null;
        foreach (var raw in process.StandardOutput.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }
            var fields = ParseFields(parts.AsSpan(parts[0] == "summary" ? 1 : Math.Min(2, parts.Length)));
            if (parts[0] == "summary")
            {
                ok = fields.TryGetValue("ok", out var o) ? int.Parse(o, CultureInfo.InvariantCulture) : null;
                fail = fields.TryGetValue("fail", out var f) ? int.Parse(f, CultureInfo.InvariantCulture) : null;
            }
            else if ((parts[0] == "ok" || parts[0] == "fail") && parts.Length >= 2)
            {
                checks.Add(new PeerCheck(parts[1], parts[0] == "ok", fields, line));
            }
        }
        return new PeerReport(process, checks, ok, fail);
    }

    /// <summary>Splits "key=value" tokens (other tokens are kept under their own text).</summary>
    public static Dictionary<string, string> ParseFields(ReadOnlySpan<string> tokens)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var token in tokens)
        {
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                fields[token[..eq]] = token[(eq + 1)..];
            }
            else
            {
                fields[token] = "";
            }
        }
        return fields;
    }

    /// <summary>The check named <paramref name="name"/>; fails the test when absent.</summary>
    public PeerCheck this[string name] =>
        Checks.FirstOrDefault(c => c.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"no line for check '{name}':\n{Process.Describe()}");

    /// <summary>Asserts the client exited 0, printed its summary, and every check passed.</summary>
    public PeerReport AssertAllOk(int minimumChecks = 1)
    {
        var failed = Checks.Where(c => !c.Ok).Select(c => c.Line).ToList();
        Assert.True(
            Process.ExitCode == 0 && !Process.TimedOut && failed.Count == 0 && SummaryFail == 0
                && Checks.Count >= minimumChecks,
            $"expected every check to pass ({minimumChecks}+ checks); failed: [{string.Join("; ", failed)}]\n{Process.Describe()}");
        return this;
    }
}
