using Microsoft.Extensions.Logging;

namespace ContextHub.Knowledge;

internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Ingested {Source} as {DocumentId}: {Status}, {ChunkCount} chunks")]
    public static partial void Ingested(ILogger logger, string source, string? documentId, Ingestion.IngestionStatus status, int chunkCount);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Could not ingest {Source} ({Kind}): {Error}")]
    public static partial void IngestFailed(ILogger logger, string source, Ingestion.IngestionErrorKind kind, string error);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Knowledge store bound to embedding model {Model}")]
    public static partial void ModelBound(ILogger logger, EmbeddingModelInfo model);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Deleted document {DocumentId}")]
    public static partial void Deleted(ILogger logger, string documentId);
}
