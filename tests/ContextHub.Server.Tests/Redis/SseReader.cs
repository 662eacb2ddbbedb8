using System.Text.Json;
using System.Threading.Channels;

namespace ContextHub.Server.Tests.Redis;

/// <summary>
/// Reads Server-Sent Events (id and data) from an open GET stream in the background, skipping keep-alive comments
/// (a timed-out read would abort the HTTP stream, so waits happen on a queue instead).
/// </summary>
public sealed class SseReader : IDisposable
{
    private readonly StreamReader _reader;
    private readonly Channel<(string? Id, JsonElement Message)> _events = Channel.CreateUnbounded<(string? Id, JsonElement Message)>();

    public SseReader(Stream stream)
    {
        _reader = new StreamReader(stream);
        _ = PumpAsync();
    }

    private async Task PumpAsync()
    {
        string? id = null, data = null;
        try
        {
            while (await _reader.ReadLineAsync() is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        await _events.Writer.WriteAsync((id, JsonDocument.Parse(data).RootElement.Clone()));
                    }

                    id = data = null;
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or HttpRequestException)
        {
            // The stream was cut.
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    public async Task<(string? Id, JsonElement Message)?> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _events.Reader.ReadAsync(cancel.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Every event that arrives within <paramref name="quiet"/> of the previous one.</summary>
    public async Task<List<(string? Id, JsonElement Message)>> DrainAsync(TimeSpan quiet)
    {
        var events = new List<(string? Id, JsonElement Message)>();
        while (await NextAsync(quiet) is { } next)
        {
            events.Add(next);
        }

        return events;
    }

    public void Dispose() => _reader.Dispose();
}
