using System.Globalization;

namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>
/// What bank_clnt (tests/TestData/c/bank_clnt.c) printed:
/// <c>acknowledged=N calls=N retries=N last_balance=B</c>, then <c>balance=B</c>.
/// A value the client did not print is null.
/// </summary>
public sealed record BankClientReport(
    ProcessResult Process, long? Acknowledged, long? Calls, long? Retries, long? LastBalance, long? Balance)
{
    public static BankClientReport Parse(ProcessResult process)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in process.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            foreach (var (key, value) in PeerReport.ParseFields(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            {
                fields[key] = value;
            }
        }
        return new BankClientReport(process, Get("acknowledged"), Get("calls"), Get("retries"), Get("last_balance"), Get("balance"));

        long? Get(string key) =>
            fields.TryGetValue(key, out var v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
                ? n
                : null;
    }

    /// <summary>Asserts the client exited 0 having printed both lines.</summary>
    public BankClientReport AssertSucceeded()
    {
        Assert.True(
            Process.ExitCode == 0 && !Process.TimedOut && Acknowledged is not null && Balance is not null,
            $"bank_clnt did not finish cleanly:\n{Process.Describe()}");
        return this;
    }
}
