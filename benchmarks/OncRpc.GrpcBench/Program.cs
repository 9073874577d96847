// gRPC .NET beside ours: `dotnet run -c Release --project benchmarks/OncRpc.GrpcBench -- --help`.
return await OncRpc.GrpcBench.GrpcBenchCli.RunAsync(args, Console.Out, Console.Error, CancellationToken.None);
