// The load generator's own entry point: `dotnet run -c Release --project benchmarks/OncRpc.LoadGenerator -- --help`.
// The `oncrpc` tool ships no benchmark code: this is the only entry point (docs/cli.md).
return await OncRpc.LoadGenerator.BenchCli.RunAsync(args, [], Console.Out, Console.Error, CancellationToken.None);
