using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
