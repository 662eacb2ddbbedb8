using System.Buffers;
using System.IO.Pipelines;
using ContextHub.Messaging;

namespace ContextHub.Server.Gateway.Stdio;

/// <summary>
/// MCP over stdio for desktop clients: newline-delimited JSON-RPC on stdin and stdout (logs go to stderr).
/// When the client closes stdin, the server stops.
/// </summary>
public sealed partial class StdioDoor : BackgroundService
{
    private const int MaxLineBytes = 16 * 1024 * 1024;
    private readonly MessageManager _manager;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<StdioDoor> _logger;
    private readonly Stream _input;
    private readonly Stream _output;

    private readonly McpCaller _caller;

    public StdioDoor(MessageManager manager, IHostApplicationLifetime lifetime, ILogger<StdioDoor> logger,
        Microsoft.Extensions.Options.IOptions<Security.SecurityOptions> security)
        : this(manager, lifetime, logger, Console.OpenStandardInput(), Console.OpenStandardOutput())
    {
        _caller = new McpCaller(McpTransportKind.Stdio, null, security.Value.Stdio.Identity) { AuthKind = McpAuthKind.Local };
    }

    internal StdioDoor(MessageManager manager, IHostApplicationLifetime lifetime, ILogger<StdioDoor> logger, Stream input, Stream output)
    {
        _manager = manager;
        _lifetime = lifetime;
        _logger = logger;
        _input = input;
        _output = output;
        _caller = new McpCaller(McpTransportKind.Stdio, null, "local") { AuthKind = McpAuthKind.Local };
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = PipeReader.Create(_input);
        await using var connection = new McpConnection(_manager, _caller, async (message, ct) =>
        {
            await _output.WriteAsync(message, ct);
            await _output.WriteAsync("\n"u8.ToArray(), ct);
            await _output.FlushAsync(ct);
        });
        LogStarted();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var result = await reader.ReadAsync(stoppingToken);
                var buffer = result.Buffer;
                while (TryReadLine(ref buffer, out var line))
                {
                    if (line.Length > 0)
                    {
                        // A copy: the message outlives this read buffer while its request runs.
                        await connection.ReceiveAsync(line.ToArray());
                    }
                }

                if (buffer.Length > MaxLineBytes)
                {
                    LogLineTooLong(MaxLineBytes);
                    break;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            await reader.CompleteAsync();
            LogStopped();
            _lifetime.StopApplication();
        }
    }

    private static bool TryReadLine(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> line)
    {
        var position = buffer.PositionOf((byte)'\n');
        if (position is null)
        {
            line = default;
            return false;
        }

        line = buffer.Slice(0, position.Value);
        if (line.Length > 0 && line.Slice(line.Length - 1).FirstSpan[0] == (byte)'\r')
        {
            line = line.Slice(0, line.Length - 1);
        }

        buffer = buffer.Slice(buffer.GetPosition(1, position.Value));
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "ContextHub is serving MCP on stdio")]
    private partial void LogStarted();

    [LoggerMessage(Level = LogLevel.Information, Message = "stdin closed; stopping")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Error, Message = "A line on stdin is longer than {Max} bytes; closing")]
    private partial void LogLineTooLong(int max);
}
