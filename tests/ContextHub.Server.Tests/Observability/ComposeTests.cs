using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace ContextHub.Server.Tests.Observability;

/// <summary>
/// deploy/compose.yaml is wired together: Prometheus scrapes exactly the ContextHub replicas the file runs and sends to
/// its Alertmanager, the replicas accept the Host Prometheus sends, Grafana gets the data source the dashboard names
/// and the folder the dashboard is in. `docker compose config` checks the file too where the tool exists.
/// </summary>
public sealed class ComposeTests
{
    private static readonly string Deploy = Path.Combine(ExternalProcess.RepositoryRoot(), "deploy");

    [Fact]
    public void The_stack_is_wired_together()
    {
        var compose = Load(Path.Combine(Deploy, "compose.yaml"));
        var services = (YamlMappingNode)compose["services"];
        var names = services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
        Assert.Superset(new HashSet<string> { "contexthub-1", "contexthub-2", "redis", "elasticsearch", "prometheus", "alertmanager", "grafana" }, names);

        // Prometheus scrapes every replica, and only those.
        var replicas = names.Where(n => n.StartsWith("contexthub-", StringComparison.Ordinal)).Select(n => n + ":5100").Order().ToList();
        var prometheus = Load(Path.Combine(Deploy, "prometheus", "prometheus.yml"));
        var job = ((YamlSequenceNode)prometheus["scrape_configs"]).Cast<YamlMappingNode>().Single(j => Scalar(j, "job_name") == "contexthub");
        var targets = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)job["static_configs"])[0])["targets"]).Select(t => ((YamlScalarNode)t).Value!).Order().ToList();
        Assert.Equal(replicas, targets);
        var manager = (YamlMappingNode)((YamlSequenceNode)((YamlMappingNode)prometheus["alerting"])["alertmanagers"])[0];
        var staticConfig = (YamlMappingNode)((YamlSequenceNode)manager["static_configs"])[0];
        var alertmanager = ((YamlScalarNode)((YamlSequenceNode)staticConfig["targets"])[0]).Value;
        Assert.Equal("alertmanager:9093", alertmanager);
        Assert.Equal("alerts.yml", ((YamlScalarNode)((YamlSequenceNode)prometheus["rule_files"])[0]).Value);
        Assert.Contains("./prometheus:/etc/prometheus:ro", Volumes(services, "prometheus"));

        // The replicas accept the Host header Prometheus sends (their service name) and probe Redis for readiness.
        var environment = (YamlMappingNode)((YamlMappingNode)compose["x-contexthub"])["environment"];
        var allowed = Scalar(environment, "AllowedHosts")!.Split(';');
        Assert.All(replicas, r => Assert.Contains(r.Split(':')[0], allowed));
        Assert.Equal("redis:6379", Scalar(environment, "ContextHub__Observability__Health__Dependencies__redis"));
        Assert.Equal("http://elasticsearch:9200", Scalar(environment, "ContextHub__Knowledge__Elasticsearch__Url"));

        // Grafana: the data source the dashboard names, and the folder the provisioning reads.
        var grafanaVolumes = Volumes(services, "grafana");
        Assert.Contains("./grafana/provisioning:/etc/grafana/provisioning:ro", grafanaVolumes);
        var dashboardsMount = grafanaVolumes.Single(v => v.StartsWith("./grafana/dashboards:", StringComparison.Ordinal)).Split(':')[1];
        var provider = (YamlMappingNode)((YamlSequenceNode)Load(Path.Combine(Deploy, "grafana", "provisioning", "dashboards", "contexthub.yml"))["providers"])[0];
        Assert.Equal(dashboardsMount, Scalar((YamlMappingNode)provider["options"], "path"));
        var datasource = (YamlMappingNode)((YamlSequenceNode)Load(Path.Combine(Deploy, "grafana", "provisioning", "datasources", "prometheus.yml"))["datasources"])[0];
        Assert.Equal("http://prometheus:9090", Scalar(datasource, "url"));
        var dashboard = JsonNode.Parse(File.ReadAllText(Path.Combine(Deploy, "grafana", "dashboards", "contexthub.json")))!;
        var uids = dashboard["panels"]!.AsArray().Where(p => p!["datasource"] is not null).Select(p => (string)p!["datasource"]!["uid"]!).Distinct().ToList();
        Assert.Equal([Scalar(datasource, "uid")!], uids);

        // Every folder the file mounts exists in the repository.
        foreach (var volume in names.SelectMany(n => Volumes(services, n)).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
        {
            Assert.True(Directory.Exists(Path.Combine(Deploy, volume.Split(':')[0])), volume);
        }
    }

    [Fact]
    public async Task Docker_compose_accepts_the_file_where_the_tool_exists()
    {
        (int ExitCode, string Output) version;
        try
        {
            version = await ExternalProcess.RunAsync("docker", ["compose", "version"], TimeSpan.FromSeconds(30));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return; // no docker here; the structure is checked above
        }

        if (version.ExitCode != 0)
        {
            return; // docker without the compose plugin
        }

        var config = await ExternalProcess.RunAsync("docker", ["compose", "-f", Path.Combine(Deploy, "compose.yaml"), "config", "--quiet"], TimeSpan.FromMinutes(1));
        Assert.True(config.ExitCode == 0, config.Output);
    }

    private static YamlMappingNode Load(string path)
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(path)));
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var node) ? ((YamlScalarNode)node).Value : null;

    private static List<string> Volumes(YamlMappingNode services, string service) =>
        ((YamlMappingNode)services[service]).Children.TryGetValue(new YamlScalarNode("volumes"), out var volumes)
            ? [.. ((YamlSequenceNode)volumes).Select(v => ((YamlScalarNode)v).Value!)]
            : [];
}
