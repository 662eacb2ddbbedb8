using ContextHub.Knowledge.Search;

namespace ContextHub.Knowledge.Tests;

public sealed class ReciprocalRankFusionTests
{
    [Fact]
    public void Scores_are_sums_of_reciprocal_ranks_with_k_60()
    {
        var fused = ReciprocalRankFusion.Fuse<string>([["a", "b", "c"], ["c", "a", "d"]]);
        var scores = fused.ToDictionary(f => f.Key, f => f.Score);
        Assert.Equal((1.0 / 61) + (1.0 / 62), scores["a"], 12);
        Assert.Equal((1.0 / 63) + (1.0 / 61), scores["c"], 12);
        Assert.Equal(1.0 / 62, scores["b"], 12);
        Assert.Equal(1.0 / 63, scores["d"], 12);
        Assert.Equal(["a", "c", "b", "d"], fused.Select(f => f.Key));
    }

    [Fact]
    public void An_item_found_by_both_beats_one_found_first_by_one()
    {
        // x is first in one list only; y is third in both: 2/63 > 1/61.
        var fused = ReciprocalRankFusion.Fuse<string>([["x", "p", "y"], ["q", "r", "y"]]);
        Assert.Equal("y", fused[0].Key);
    }

    [Fact]
    public void Ties_go_to_the_better_rank_then_the_earlier_list()
    {
        var fused = ReciprocalRankFusion.Fuse<string>([["a", "b"], ["c", "d"]]);
        Assert.Equal(["a", "c", "b", "d"], fused.Select(f => f.Key));
    }

    [Fact]
    public void Duplicates_inside_a_list_count_once_and_empty_lists_are_fine()
    {
        var fused = ReciprocalRankFusion.Fuse<string>([["a", "a", "b"], []], k: 0);
        Assert.Equal(1.0, fused[0].Score, 12);
        Assert.Equal(0.5, fused[1].Score, 12);
        Assert.Empty(ReciprocalRankFusion.Fuse<string>([]));
    }
}
