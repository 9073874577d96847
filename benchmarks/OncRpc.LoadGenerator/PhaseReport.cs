using System.Globalization;
using System.Text;

namespace OncRpc.LoadGenerator;

/// <summary>
/// <c>--phases</c>: where the measured mean latency of a call goes. The client's phases follow one
/// another and cover the call from encoding to the caller taking the result, so they add up; the
/// server's phases happen inside the client's wait for the reply, so they are shown nested there,
/// never added again, and what the wait holds beyond them is the kernel and the wire (both
/// sockets' system-call and loopback paths, the wake-ups of the reading threads). Whatever the
/// measured latency holds beyond the client's phases (the load loop and the generated call
/// wrapper) is shown last: the accounting is how close the phases come to the measured mean.
/// </summary>
public static class PhaseReport
{
    private static readonly (string Key, string Label)[] s_client =
    [
        ("client.encode", "encode arguments"),
        ("client.wait_to_send", "wait to send"),
        ("client.send", "send (system call)"),
        ("client.wait_for_reply", "wait for the reply"),
        ("client.decode", "decode the reply"),
        ("client.resume", "resume the caller"),
    ];

    private static readonly (string Key, string Label)[] s_server =
    [
        ("server.read", "read and reassemble the record"),
        ("server.queue", "wait in queue"),
        ("server.header", "decode the header"),
        ("server.auth", "authenticate"),
        ("server.cache", "lookup and cache"),
        ("server.decode", "decode arguments"),
        ("server.handler", "run the handler"),
        ("server.encode", "encode the reply"),
        ("server.send", "send (system call)"),
    ];

    public static string Format(LoadOptions options, LoadResult result, PhaseTotals client, PhaseTotals? server)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(client);
        double measured = result.MeanMicroseconds;
        var text = new StringBuilder();
        void Row(string label, double us) =>
            text.Append(CultureInfo.InvariantCulture, $"{label,-44}{us,10:F2}{100 * us / measured,10:F1}\n");

        text.Append(CultureInfo.InvariantCulture,
            $"where the time goes: proc={options.Procedure} size={options.EffectiveSize} transport={options.Transport} api={options.Api} inflight={options.InFlight}; {result.Calls} calls measured, phases of {Count(client, "client.wait_for_reply")} client and {(server is null ? 0 : Count(server, "server.handler"))} server calls\n");
        text.Append(CultureInfo.InvariantCulture, $"{"step",-44}{"mean us",10}{"% call",10}\n");
        double clientSum = 0;
        foreach ((string key, string label) in s_client)
        {
            double us = client.MeanMicroseconds(key);
            clientSum += us;
            Row("client " + label, us);
            if (key == "client.wait_for_reply")
            {
                if (server is null)
                {
                    text.Append("  (the server printed no phases)\n");
                    continue;
                }
                double serverSum = 0;
                foreach ((string skey, string slabel) in s_server)
                {
                    double sus = server.MeanMicroseconds(skey);
                    serverSum += sus;
                    Row("  server " + slabel, sus);
                }
                Row("  kernel and wire (wait - server total)", us - serverSum);
            }
        }
        text.Append(new string('-', 64)).Append('\n');
        Row("sum of the client's phases", clientSum);
        Row("measured mean latency", measured);
        Row("outside the phases (measured - sum)", measured - clientSum);
        double share = 100 * clientSum / measured;
        text.Append(CultureInfo.InvariantCulture,
            $"accounting: the phases account for {share:F1} % of the measured mean latency ({(Math.Abs(100 - share) <= 10 ? "within" : "NOT within")} 10 %)");
        return text.ToString();
    }

    private static long Count(PhaseTotals totals, string key) => totals.Phases.TryGetValue(key, out (double, long Count) v) ? v.Count : 0;
}
