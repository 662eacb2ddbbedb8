using System.Globalization;
using System.Text;
using ContextHub.Knowledge;
using ContextHub.Knowledge.CrashHost;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Embeddings;
using ContextHub.Knowledge.Ingestion;

// Usage: CrashHost <data folder> <ack file> [count]
// Ingests documents crash-0, crash-1, ... one at a time; after each is acknowledged by the store, appends its id to the
// ack file and flushes it to disk. The crash test kills this process (kill -9) somewhere in the middle.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: CrashHost <data folder> <ack file> [count]");
    return 2;
}

var count = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100_000;
await using var store = await EmbeddedKnowledgeStore.OpenAsync(args[0]);
var service = new KnowledgeService(store, new HashingEmbeddingGenerator(), CrashDocuments.Options);
await using var ack = new FileStream(args[1], FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.WriteThrough);
for (var i = 0; i < count; i++)
{
    var result = await service.IngestAsync(CrashDocuments.Request(i));
    if (!result.Succeeded)
    {
        Console.Error.WriteLine(result.ToString());
        return 1;
    }

    var line = Encoding.UTF8.GetBytes(result.DocumentId + "\n");
    await ack.WriteAsync(line);
    ack.Flush(flushToDisk: true);
}

return 0;
