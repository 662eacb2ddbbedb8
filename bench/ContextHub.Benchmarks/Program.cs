using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ContextHub.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(ContextHub.Benchmarks.EchoPipelineBenchmarks).Assembly).Run(args);
