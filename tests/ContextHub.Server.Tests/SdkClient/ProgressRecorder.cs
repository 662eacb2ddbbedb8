using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ContextHub.Server.Tests.SdkClient;

/// <summary>
/// Hears every progress notification for one token on a client until disposed, and lets a test wait for a number of them.
/// </summary>
/// <remarks>
/// The SDK's <c>CallToolAsync(..., IProgress)</c> stops listening as soon as the result arrives, and it hands each incoming
/// message to its own task: a notification whose task has not run by then is dropped, and on a loaded machine that can be
/// any of them. Listening on the session for the whole test hears all of them, in whatever order the tasks run.
/// </remarks>
internal sealed class ProgressRecorder : IAsyncDisposable
{
    private readonly List<ProgressNotificationValue> _updates = [];
    private readonly TaskCompletionSource _heardAll = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _expected;
    private readonly IAsyncDisposable _registration;

    private ProgressRecorder(McpClient client, int expected)
    {
        _expected = expected;
        _registration = client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, (notification, _) =>
        {
            var update = JsonSerializer.Deserialize<ProgressNotificationParams>(notification.Params, McpJsonUtilities.DefaultOptions)!;
            if (update.ProgressToken == Token)
            {
                lock (_updates)
                {
                    _updates.Add(update.Progress);
                    if (_updates.Count >= _expected)
                    {
                        _heardAll.TrySetResult();
                    }
                }
            }

            return ValueTask.CompletedTask;
        });
    }

    public ProgressToken Token { get; } = new(Guid.NewGuid().ToString("N"));

    /// <summary>Request options that ask the server for progress under this recorder's token.</summary>
    public RequestOptions Options => new() { ProgressToken = Token };

    public static ProgressRecorder Listen(McpClient client, int expected) => new(client, expected);

    /// <summary>Waits until the expected number of updates has arrived (generous: the test run loads both cores) and returns them sorted by progress.</summary>
    public async Task<IReadOnlyList<ProgressNotificationValue>> WaitForAllAsync()
    {
        try
        {
            await _heardAll.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            // Fall through: the assertion on the returned list names what was heard.
        }

        lock (_updates)
        {
            return [.. _updates.OrderBy(u => u.Progress)];
        }
    }

    public ValueTask DisposeAsync() => _registration.DisposeAsync();
}
