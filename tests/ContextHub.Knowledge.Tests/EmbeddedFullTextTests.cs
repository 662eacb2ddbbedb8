using System.Globalization;
using ContextHub.Knowledge.Embedded;
using ContextHub.Knowledge.Embedded.FullText;
using ContextHub.Knowledge.Indexes;
using ContextHub.Knowledge.Ingestion;
using Microsoft.Data.Sqlite;

namespace ContextHub.Knowledge.Tests;

/// <summary>
/// The embedded store ranks full text in memory: these tests hold that ranking to SQLite FTS5's own tokenizer and
/// bm25(), which the store's FTS5 table (used for snippets) still carries.
/// </summary>
public sealed class EmbeddedFullTextTests : IDisposable
{
    private static readonly EmbeddingModelInfo Model = new("test-model", 2);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("ties", "ti")]
    [InlineData("cats", "cat")]
    [InlineData("agreed", "agre")]
    [InlineData("plastered", "plaster")]
    [InlineData("motoring", "motor")]
    [InlineData("sing", "sing")]
    [InlineData("hopping", "hop")]
    [InlineData("falling", "fall")]
    [InlineData("filing", "file")]
    [InlineData("happy", "happi")]
    [InlineData("sky", "sky")]
    [InlineData("relational", "relat")]
    [InlineData("conditional", "condit")]
    [InlineData("digitizer", "digit")]
    [InlineData("vietnamization", "vietnam")]
    [InlineData("hopefulness", "hope")]
    [InlineData("sensibiliti", "sensibl")]
    [InlineData("electrical", "electr")]
    [InlineData("adjustment", "adjust")]
    [InlineData("replacement", "replac")]
    [InlineData("adoption", "adopt")]
    [InlineData("controll", "control")]
    [InlineData("generalizations", "gener")]
    [InlineData("oscillators", "oscil")]
    [InlineData("archaeology", "archaeolog")]
    [InlineData("ab", "ab")]
    [InlineData("h2o", "h2o")]
    public void The_stemmer_follows_porter(string word, string stem) => Assert.Equal(stem, PorterStemmer.Stem(word));

    [Fact]
    public void The_analyzer_gives_the_terms_fts5_porter_unicode61_gives_for_every_word_of_the_documentation()
    {
        var words = new SortedSet<string>(StringComparer.Ordinal)
        {
            "Café", "naïve", "Ångström", "résumé", "COVID19", "IPv6", "x86_64", "don't", "e.g.", "Straße", "İstanbul", "ﬁle",
        };
        foreach (var file in Directory.EnumerateFiles(RepositoryRoot(), "*.md", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("node_modules", StringComparison.Ordinal) && !f.Contains("artifacts", StringComparison.Ordinal)))
        {
            foreach (var word in File.ReadAllText(file).Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                words.Add(word);
            }
        }

        Assert.True(words.Count > 2000, $"only {words.Count} words to compare");
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = """
                CREATE VIRTUAL TABLE t USING fts5 (w, tokenize = 'porter unicode61 remove_diacritics 2');
                CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance');
                """;
            create.ExecuteNonQuery();
        }

        var list = words.ToList();
        using (var tx = connection.BeginTransaction())
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = "INSERT INTO t (rowid, w) VALUES ($id, $w);";
            var id = insert.Parameters.Add("$id", SqliteType.Integer);
            var w = insert.Parameters.Add("$w", SqliteType.Text);
            for (var i = 0; i < list.Count; i++)
            {
                id.Value = i;
                w.Value = list[i];
                insert.ExecuteNonQuery();
            }

            tx.Commit();
        }

        var expected = list.Select(_ => new List<(long Offset, string Term)>()).ToArray();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT doc, offset, term FROM v;";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                expected[reader.GetInt64(0)].Add((reader.GetInt64(1), reader.GetString(2)));
            }
        }

        var differences = new List<string>();
        for (var i = 0; i < list.Count; i++)
        {
            var fts5 = expected[i].OrderBy(e => e.Offset).Select(e => e.Term).ToList();
            var ours = new List<string>();
            TermAnalyzer.Terms(list[i], term => ours.Add(term.ToString()));
            if (!fts5.SequenceEqual(ours))
            {
                differences.Add($"{list[i]}: FTS5 [{string.Join(' ', fts5)}], ours [{string.Join(' ', ours)}]");
            }
        }

        Assert.True(differences.Count == 0, $"{differences.Count} of {list.Count} words differ:\n" + string.Join('\n', differences.Take(40)));
    }

    [Theory]
    [InlineData(1.0, 1.0, 1.0)]
    [InlineData(1.0, 2.5, 4.0)]
    public async Task Scores_equal_fts5_bm25_with_the_same_column_weights(double text, double heading, double title)
    {
        var folder = Path.Combine(_folder.Path, $"bm25-{text}-{heading}-{title}");
        await using var store = await EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions
        {
            DataFolder = folder,
            TextWeight = text,
            HeadingWeight = heading,
            TitleWeight = title,
        });
        await SeedAsync(store);
        string[] queries =
        [
            "running databases", "the index", "vector search engines", "Caching layers and sessions", "café", "ranking",
            "tables rows columns", "what is a database", "protocol messages", "zebra",
        ];

        await using var connection = new SqliteConnection($"Data Source={store.DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync();
        IFullTextIndex fullText = store;
        foreach (var query in queries)
        {
            var ours = (await fullText.SearchAsync(query, 1000)).ToDictionary(h => h.ChunkId, h => h.Score);
            var fts5 = new Dictionary<string, double>();
            await using (var command = connection.CreateCommand())
            {
                var words = TermAnalyzer.QueryWords(query);
                command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
                    SELECT c.id, -bm25(chunks_fts, {text}, {heading}, {title}) FROM chunks_fts f JOIN chunks c ON c.rowid = f.rowid
                    WHERE chunks_fts MATCH $match;
                    """);
                command.Parameters.AddWithValue("$match", string.Join(" OR ", words.Select(w => "\"" + w + "\"")));
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    fts5[reader.GetString(0)] = reader.GetDouble(1);
                }
            }

            Assert.True(fts5.Count > 0 || query == "zebra", $"'{query}' matches nothing in FTS5: the seed data should hold it");
            Assert.Equal(fts5.Keys.Order(), ours.Keys.Order());
            foreach (var (chunk, score) in fts5)
            {
                Assert.True(Math.Abs(score - ours[chunk]) <= 1e-4 * Math.Max(1, Math.Abs(score)), $"'{query}' {chunk}: FTS5 {score}, ours {ours[chunk]}");
            }
        }
    }

    [Fact]
    public async Task Replaced_and_deleted_chunks_leave_the_ranking_and_a_reopened_store_ranks_the_same()
    {
        var folder = Path.Combine(_folder.Path, "churn");
        var store = await EmbeddedKnowledgeStore.OpenAsync(folder);
        try
        {
            await SeedAsync(store);
            IFullTextIndex fullText = store;
            Assert.Contains(await fullText.SearchAsync("databases", 100), h => h.DocumentId == "doc-2");

            // Replace doc-2 with text that no longer holds the word; delete doc-3; several rounds so the index compacts.
            await store.UpsertDocumentAsync(Document("doc-2", "Renamed"), [Chunk("doc-2", 0, "Nothing about that subject any more.")]);
            Assert.True(await store.DeleteDocumentAsync("doc-3"));
            for (var round = 0; round < 5; round++)
            {
                await store.UpsertDocumentAsync(Document("churn", "Churn " + round), [Chunk("churn", 0, "databases churn round " + round)]);
            }

            var before = await fullText.SearchAsync("databases", 100);
            Assert.DoesNotContain(before, h => h.DocumentId is "doc-2" or "doc-3");
            Assert.Single(before, h => h.DocumentId == "churn");
            Assert.Contains("round 4", (await fullText.SearchAsync("churn", 10)).Single().Snippet, StringComparison.Ordinal);
            Assert.Equal(store.VectorCount, store.FullTextCount);
            Assert.Empty(await store.CheckIntegrityAsync());

            await store.DisposeAsync();
            store = await EmbeddedKnowledgeStore.OpenAsync(folder);
            fullText = store;
            var after = await fullText.SearchAsync("databases", 100);
            Assert.Equal(before.Select(h => h.ChunkId), after.Select(h => h.ChunkId));
            Assert.Equal(before.Select(h => Math.Round(h.Score, 4)), after.Select(h => Math.Round(h.Score, 4)));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task Ranking_does_not_depend_on_what_other_code_left_in_the_shared_array_pool()
    {
        await using var store = await EmbeddedKnowledgeStore.OpenAsync(Path.Combine(_folder.Path, "pool"));
        await SeedAsync(store);
        IFullTextIndex fullText = store;
        var clean = (await fullText.SearchAsync("databases", 100)).Select(h => h.ChunkId).ToList();
        for (var size = 16; size <= 4096; size *= 2)
        {
            var dirty = System.Buffers.ArrayPool<float>.Shared.Rent(size);
            dirty.AsSpan().Fill(1f);
            System.Buffers.ArrayPool<float>.Shared.Return(dirty);
        }

        Assert.Equal(clean, (await fullText.SearchAsync("databases", 100)).Select(h => h.ChunkId));
    }

    [Fact]
    public void Tokens_longer_than_128_characters_are_skipped_and_split_nothing()
    {
        var terms = new List<string>();
        TermAnalyzer.Terms("start " + new string('x', 129) + " end " + new string('y', 128), t => terms.Add(t.ToString()));
        Assert.Equal(["start", "end", new string('y', 128)], terms);
    }

    [Fact]
    public async Task Queries_without_a_known_word_find_nothing_and_punctuation_is_not_syntax()
    {
        await using var store = await EmbeddedKnowledgeStore.OpenAsync(Path.Combine(_folder.Path, "odd"));
        await SeedAsync(store);
        IFullTextIndex fullText = store;
        Assert.Empty(await fullText.SearchAsync("", 10));
        Assert.Empty(await fullText.SearchAsync("?!* ()", 10));
        Assert.Empty(await fullText.SearchAsync("qwertyuiop", 10));
        Assert.NotEmpty(await fullText.SearchAsync("databases\" OR NEAR(", 10));
        Assert.NotEmpty(await fullText.SearchAsync("DATABASES", 10));
    }

    private static async Task SeedAsync(EmbeddedKnowledgeStore store)
    {
        await store.BindEmbeddingModelAsync(Model);
        string[] texts =
        [
            "Databases store rows in tables; an index makes lookups fast.",
            "The vector search engine ranks embeddings by cosine similarity.",
            "Running databases in production needs backups, and running them well needs monitoring.",
            "Caching layers keep sessions close to the servers that read them.",
            "A café in Paris serves coffee; the résumé of its owner mentions databases.",
            "Ranking full text with BM25 weighs rare words above common ones.",
            "Protocol messages travel as JSON-RPC requests, responses and notifications.",
            "Columns, rows and tables: the words of a relational database, indexed and ranked.",
            "Search engines index documents; a search ranks them and returns the best.",
        ];
        string?[] headings = [null, "Vector search", "Operations", "Caching", null, "Ranking", "Protocol", "Databases", "Search"];
        for (var d = 0; d < texts.Length; d++)
        {
            var id = "doc-" + d;
            await store.UpsertDocumentAsync(Document(id, d % 2 == 0 ? "Notes on databases" : "Notes on search " + d),
            [
                Chunk(id, 0, texts[d], headings[d]),
                Chunk(id, 1, texts[(d + 3) % texts.Length] + " " + texts[(d + 5) % texts.Length]),
            ]);
        }
    }

    private static Document Document(string id, string title) => new()
    {
        Id = id,
        Source = "test",
        Title = title,
        MimeType = MimeTypes.PlainText,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
        ContentHash = "hash-" + id + title,
    };

    private static Chunk Chunk(string documentId, int ordinal, string text, string? heading = null) => new()
    {
        Id = Knowledge.Chunk.MakeId(documentId, ordinal),
        DocumentId = documentId,
        Ordinal = ordinal,
        Text = text,
        Heading = heading,
        Embedding = new float[] { 1, ordinal },
    };

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ContextHub.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (ContextHub.slnx) above " + AppContext.BaseDirectory);
    }
}

/// <summary>Two stores on one database stand for two processes (the ingest command beside a running server).</summary>
public sealed class EmbeddedExternalChangesTests : IDisposable
{
    private static readonly EmbeddingModelInfo Model = new("test-model", 2);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<EmbeddedKnowledgeStore> OpenAsync(TimeSpan poll) =>
        EmbeddedKnowledgeStore.OpenAsync(new EmbeddedStoreOptions { DataFolder = _folder.Path, ExternalChangesPollInterval = poll });

    private static async Task WriteAsync(EmbeddedKnowledgeStore store, string id, string text, float x = 1)
    {
        await store.BindEmbeddingModelAsync(Model);
        await store.UpsertDocumentAsync(
            new Document { Id = id, Source = "test", Title = id, MimeType = MimeTypes.PlainText, CreatedAt = DateTimeOffset.UnixEpoch, UpdatedAt = DateTimeOffset.UnixEpoch, ContentHash = text },
            [new Chunk { Id = Chunk.MakeId(id, 0), DocumentId = id, Ordinal = 0, Text = text, Embedding = new float[] { x, 1 - x } }]);
    }

    private static async Task<List<string>> FindAsync(EmbeddedKnowledgeStore store, string query) =>
        (await ((IFullTextIndex)store).SearchAsync(query, 10)).Select(h => h.DocumentId).ToList();

    [Fact]
    public async Task Writes_of_another_process_reach_the_in_memory_indices_on_refresh()
    {
        await using var server = await OpenAsync(TimeSpan.Zero);
        await WriteAsync(server, "mine", "written by the server about otters", 0);
        await using (var cli = await OpenAsync(TimeSpan.Zero))
        {
            await WriteAsync(cli, "theirs", "written by the command line about otters and beavers");
            Assert.Equal(["theirs", "mine"], await FindAsync(cli, "otters beavers"));
        }

        // Not yet applied: the server's memory is as it was.
        Assert.Equal(["mine"], await FindAsync(server, "otters beavers"));
        Assert.Equal(1, server.VectorCount);

        await server.RefreshAsync();
        Assert.Equal(["theirs", "mine"], await FindAsync(server, "otters beavers"));
        Assert.Equal(2, server.VectorCount);
        Assert.Equal("theirs", (await ((IVectorIndex)server).SearchAsync(new float[] { 1, 0 }, 1)).Single().DocumentId);
        Assert.Empty(await server.CheckIntegrityAsync());

        // Replaced and deleted by the other process.
        await using (var cli = await OpenAsync(TimeSpan.Zero))
        {
            await WriteAsync(cli, "theirs", "now only about beavers", 0);
            Assert.True(await cli.DeleteDocumentAsync("mine"));
        }

        await server.RefreshAsync();
        Assert.Empty(await FindAsync(server, "otters"));
        Assert.Equal(["theirs"], await FindAsync(server, "beavers"));
        Assert.Equal(1, server.VectorCount);
        Assert.Equal(1, server.FullTextCount);
        Assert.Empty(await server.CheckIntegrityAsync());
    }

    [Fact]
    public async Task A_filter_searched_before_another_process_wrote_lets_its_documents_through_after_refresh()
    {
        await using var server = await OpenAsync(TimeSpan.Zero);
        await WriteAsync(server, "mine", "written by the server about otters", 0);
        var both = ContextHub.Knowledge.Filters.MetadataFilter.In(ContextHub.Knowledge.Filters.DocumentFields.Id, "mine", "theirs");
        async Task<List<string>> FilteredAsync() =>
            [.. (await ((IVectorIndex)server).SearchAsync(new float[] { 1, 0 }, 10, both)).Select(h => h.DocumentId)];

        Assert.Equal(["mine"], await FilteredAsync());
        await using (var cli = await OpenAsync(TimeSpan.Zero))
        {
            await WriteAsync(cli, "theirs", "written by the command line about otters");
        }

        await server.RefreshAsync();
        Assert.Equal(["theirs", "mine"], await FilteredAsync());
        Assert.Equal(["theirs", "mine"], (await ((IFullTextIndex)server).SearchAsync("otters command", 10, both)).Select(h => h.DocumentId));
    }

    [Fact]
    public async Task A_store_that_missed_pruned_log_entries_reloads_its_indices_whole()
    {
        await using var server = await OpenAsync(TimeSpan.Zero);
        await WriteAsync(server, "a", "alpha text");
        await using (var cli = await OpenAsync(TimeSpan.Zero))
        {
            await WriteAsync(cli, "b", "beta text");
            Assert.True(await cli.DeleteDocumentAsync("a"));
        }

        // The entries for b and for deleting a are gone, as pruning would leave them; one newer entry follows.
        await using (var connection = new SqliteConnection($"Data Source={server.DatabasePath}"))
        {
            await connection.OpenAsync();
            await using var prune = connection.CreateCommand();
            prune.CommandText = "DELETE FROM changes;";
            await prune.ExecuteNonQueryAsync();
        }

        await using (var cli = await OpenAsync(TimeSpan.Zero))
        {
            await WriteAsync(cli, "c", "gamma text");
        }

        await server.RefreshAsync();
        Assert.Equal(["b", "c"], (await FindAsync(server, "text")).Order());
        Assert.Equal(2, server.VectorCount);
        Assert.Equal(2, server.FullTextCount);
        Assert.Empty(await server.CheckIntegrityAsync());
    }

    [Fact]
    public async Task A_write_first_applies_what_another_process_wrote()
    {
        await using var server = await OpenAsync(TimeSpan.Zero);
        await WriteAsync(server, "a", "alpha text");
        await using (var cli = await OpenAsync(TimeSpan.Zero))
        {
            await WriteAsync(cli, "b", "beta text");
        }

        await WriteAsync(server, "c", "gamma text");
        Assert.Equal(["a", "b", "c"], (await FindAsync(server, "text")).Order());
        Assert.Equal(3, server.VectorCount);
    }

    [Fact]
    public async Task A_running_store_picks_up_another_process_writes_by_itself()
    {
        await using var server = await OpenAsync(TimeSpan.FromMilliseconds(50));
        await WriteAsync(server, "a", "alpha text");
        await using (var cli = await OpenAsync(TimeSpan.Zero))
        {
            await WriteAsync(cli, "b", "beta walrus");
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await FindAsync(server, "walrus")).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }

        Assert.Equal(["b"], await FindAsync(server, "walrus"));
    }
}
