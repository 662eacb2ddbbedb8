namespace ContextHub.Knowledge.Search;

/// <summary>
/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): an item's score is the sum over rankings of
/// 1 / (k + rank), rank starting at 1. Scores of the input rankings are ignored, only their order counts.
/// </summary>
public static class ReciprocalRankFusion
{
    public const int DefaultK = 60;

    /// <summary>
    /// Fuses rankings (best first, duplicates inside one ranking counted once) into one, best first. Ties go to the item
    /// with the better best rank, then to the earlier ranking.
    /// </summary>
    public static IReadOnlyList<(TKey Key, double Score)> Fuse<TKey>(IReadOnlyList<IReadOnlyList<TKey>> rankings, int k = DefaultK)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(rankings);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        var scores = new Dictionary<TKey, (double Score, int BestRank, int FirstSeen)>();
        var seen = 0;
        foreach (var ranking in rankings)
        {
            var inThisRanking = new HashSet<TKey>();
            var rank = 0;
            foreach (var key in ranking)
            {
                if (!inThisRanking.Add(key))
                {
                    continue;
                }

                rank++;
                var add = 1.0 / (k + rank);
                scores[key] = scores.TryGetValue(key, out var s)
                    ? (s.Score + add, Math.Min(s.BestRank, rank), s.FirstSeen)
                    : (add, rank, seen++);
            }
        }

        return scores
            .OrderByDescending(p => p.Value.Score)
            .ThenBy(p => p.Value.BestRank)
            .ThenBy(p => p.Value.FirstSeen)
            .Select(p => (p.Key, p.Value.Score))
            .ToList();
    }
}
