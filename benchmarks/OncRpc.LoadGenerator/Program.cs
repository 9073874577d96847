// The load generator's own entry point: `dotnet run -c Release --project benchmarks/OncRpc.LoadGenerator -- --help`.
// `oncrpc bench` runs the same code.
return await OncRpc.LoadGenerator.BenchCli.RunAsync(args, [], Console.Out, Console.Error, CancellationToken.None);
