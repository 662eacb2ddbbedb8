namespace ContextHub.Messaging;

/// <summary>
/// A step of the Message Manager's pipeline between validation and dispatch: authentication, authorization and
/// rate limits plug in here. Throw <see cref="Protocol.McpErrorException"/> to refuse a request.
/// </summary>
public interface IMcpRequestFilter
{
    ValueTask OnRequestAsync(McpRequest request, CancellationToken cancellationToken);
}

/// <summary>Sees every finished request (step 5 of the design's flow: the knowledge store records tool calls here).</summary>
public interface IMcpResultRecorder
{
    void Record(McpRequest request, in McpResult result, Exception? error, TimeSpan duration);
}
