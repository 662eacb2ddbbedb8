using YamlDotNet.RepresentationModel;

namespace ContextHub.Server.Tests.Observability;

/// <summary>
/// The alert rules of deploy/prometheus checked and unit-tested with the real promtool: the rules load, every rule's
/// tests pass, every rule has a test that shows it firing, and the tests catch a broken rule.
/// </summary>
public sealed class PrometheusRulesTests
{
    private static readonly string Folder = Path.Combine(ExternalProcess.RepositoryRoot(), "deploy", "prometheus");

    [Fact]
    public async Task The_rules_and_the_scrape_configuration_are_valid()
    {
        var rules = await ExternalProcess.RunAsync("promtool", ["check", "rules", "alerts.yml"], TimeSpan.FromMinutes(1), Folder);
        Assert.True(rules.ExitCode == 0, rules.Output);
        Assert.Contains($"SUCCESS: {AlertNames().Count} rules found", rules.Output, StringComparison.Ordinal);

        var config = await ExternalProcess.RunAsync("promtool", ["check", "config", "prometheus.yml"], TimeSpan.FromMinutes(1), Folder);
        Assert.True(config.ExitCode == 0, config.Output);
    }

    [Fact]
    public async Task Every_rule_passes_its_unit_tests()
    {
        var result = await ExternalProcess.RunAsync("promtool", ["test", "rules", "alerts.test.yml"], TimeSpan.FromMinutes(1), Folder);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("SUCCESS", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_rule_has_a_test_that_shows_it_firing_and_one_that_shows_it_silent()
    {
        var tests = new YamlStream();
        tests.Load(new StringReader(File.ReadAllText(Path.Combine(Folder, "alerts.test.yml"))));
        var firing = new HashSet<string>(StringComparer.Ordinal);
        var silent = new HashSet<string>(StringComparer.Ordinal);
        foreach (var test in (YamlSequenceNode)((YamlMappingNode)tests.Documents[0].RootNode)["tests"])
        {
            foreach (var check in (YamlSequenceNode)((YamlMappingNode)test)["alert_rule_test"])
            {
                var map = (YamlMappingNode)check;
                var name = ((YamlScalarNode)map["alertname"]).Value!;
                var expected = (YamlSequenceNode)map["exp_alerts"];
                (expected.Children.Count > 0 ? firing : silent).Add(name);
            }
        }

        var alerts = AlertNames();
        Assert.NotEmpty(alerts);
        Assert.Empty(alerts.Except(firing));
        Assert.Empty(alerts.Except(silent));
    }

    [Fact]
    public async Task A_rule_with_a_wrong_threshold_fails_its_tests()
    {
        var copy = Directory.CreateTempSubdirectory("contexthub-rules-");
        try
        {
            // Memory threshold 2 GiB → 4 GiB: the 3 GB replica of the test no longer fires, so the test must fail.
            var rules = File.ReadAllText(Path.Combine(Folder, "alerts.yml")).Replace("> 2 * 1024 * 1024 * 1024", "> 4 * 1024 * 1024 * 1024", StringComparison.Ordinal);
            Assert.Contains("> 4 * 1024", rules, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(copy.FullName, "alerts.yml"), rules);
            File.Copy(Path.Combine(Folder, "alerts.test.yml"), Path.Combine(copy.FullName, "alerts.test.yml"));

            var result = await ExternalProcess.RunAsync("promtool", ["test", "rules", "alerts.test.yml"], TimeSpan.FromMinutes(1), copy.FullName);

            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("ContextHubHighMemory", result.Output, StringComparison.Ordinal);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    internal static IReadOnlyList<string> AlertNames() => [.. Rules().Select(r => r.Name)];

    /// <summary>Every alert of alerts.yml with its expression.</summary>
    internal static IReadOnlyList<(string Name, string Expression)> Rules()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(Path.Combine(Folder, "alerts.yml"))));
        var rules = new List<(string, string)>();
        foreach (var group in (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["groups"])
        {
            foreach (var rule in (YamlSequenceNode)((YamlMappingNode)group)["rules"])
            {
                var map = (YamlMappingNode)rule;
                rules.Add((((YamlScalarNode)map["alert"]).Value!, ((YamlScalarNode)map["expr"]).Value!));
            }
        }

        return rules;
    }
}
