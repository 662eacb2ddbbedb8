using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ContextHub.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
