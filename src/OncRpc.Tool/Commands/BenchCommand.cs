using System.CommandLine;
using OncRpc.LoadGenerator;

namespace OncRpc.Tool.Commands;

/// <summary>
/// <c>oncrpc bench</c>: the end-to-end load generator of benchmarks/OncRpc.LoadGenerator for
/// tests/TestData/x/bench.x. Options are the load generator's own (<c>oncrpc bench --usage</c>):
/// <c>oncrpc bench serve --port 0</c> runs our bench server; <c>oncrpc bench --server --proc add</c>
/// starts one as a child process and loads it; <c>--target 127.0.0.1:PORT</c> loads any bench.x
/// server, the C reference's bench_svc included. See docs/performance.md.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "closed-loop load generator for bench.x (serve mode, or client against --server / --target); --usage lists its options")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            string[] args = [.. parse.UnmatchedTokens];
            if (args is ["--usage"])
            {
                Console.Out.WriteLine(BenchCli.Usage);
                return Task.FromResult(0);
            }
            // The tool re-invokes itself as `oncrpc bench ...` for the child server and for pinning.
            return BenchCli.RunAsync(args, ["bench"], Console.Out, Console.Error, cancellationToken);
        });
        return command;
    }
}
