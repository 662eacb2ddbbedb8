using System.Security.Cryptography;
using System.Text;
using BenchmarkDotNet.Attributes;
using ContextHub.Server.KnowledgeBase;

namespace ContextHub.Benchmarks;

/// <summary>
/// The SHA-256 of a tool call's arguments, as the record step takes it: <see cref="Platform"/> is the platform's
/// (OpenSSL on Linux) through one reused <see cref="IncrementalHash"/> per thread, as the recorder did before;
/// <see cref="Managed"/> is <see cref="ArgumentsSha256"/>, which the recorder uses now. Echo's arguments (one block)
/// and a 300-byte object (five blocks).
/// </summary>
[MemoryDiagnoser]
public class ArgumentsHashBenchmarks
{
    private readonly byte[] _hash = new byte[32];
    private IncrementalHash _platform = null!;
    private byte[] _arguments = null!;

    [Params(19, 300)]
    public int Bytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _platform = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _arguments = Bytes == 19
            ? Encoding.UTF8.GetBytes("""{"message":"hello"}""")
            : Encoding.UTF8.GetBytes("{\"query\":\"" + new string('q', 281) + "\",\"k\":10}"); // 300 bytes
    }

    [GlobalCleanup]
    public void Cleanup() => _platform.Dispose();

    [Benchmark(Baseline = true)]
    public byte Platform()
    {
        _platform.AppendData(_arguments);
        _platform.GetHashAndReset(_hash);
        return _hash[0];
    }

    [Benchmark]
    public byte Managed()
    {
        ArgumentsSha256.Hash(_arguments, _hash);
        return _hash[0];
    }
}
