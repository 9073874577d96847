using System.Globalization;
using System.Net;

namespace OncRpc.Interop.Tests.Infrastructure;

/// <summary>
/// samples/Bank's server as a process (<c>dotnet Bank.dll server --port P --transport T [--state
/// DIR] [--cache off]</c>), built with the solution: ready once it printed the end point it
/// listens on. Disposing it sends SIGTERM: the server drains its calls and stops, as a restart would.
/// </summary>
internal static class BankServer
{
    /// <summary>Starts the server; skips (or fails, when peers are required) when the sample is not built.</summary>
    public static Task<PeerProcess> StartAsync(int port, string transport, string? stateDirectory = null, bool cache = true,
        CancellationToken cancellationToken = default)
    {
        (string dotnet, string dll) = Sample.Require("Bank");
        var arguments = new List<string> { dll, "server", "--port", port.ToString(CultureInfo.InvariantCulture), "--transport", transport };
        if (stateDirectory is not null)
        {
            arguments.AddRange(["--state", stateDirectory]);
        }
        if (!cache)
        {
            arguments.AddRange(["--cache", "off"]);
        }
        // Ready at the last end point it prints: Udp (after Tcp) unless it serves TCP only.
        string last = transport == "tcp" ? "Tcp" : "Udp";
        return PeerProcess.StartAsync(dotnet, arguments, TimeSpan.FromSeconds(30), cancellationToken, line => ReadyLine(line, last));
    }

    /// <summary>"listening on Udp 127.0.0.1:P": the port (the same for both transports).</summary>
    private static (int Tcp, int Udp)? ReadyLine(string line, string last) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["listening", "on", var transport, var endPoint]
            && transport == last && IPEndPoint.TryParse(endPoint, out IPEndPoint? bound)
            ? (bound.Port, bound.Port)
            : null;
}
