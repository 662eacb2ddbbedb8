using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;

namespace ContextHub.Server.Tests.Observability;

/// <summary>
/// deploy/compose.yaml is wired together: Prometheus scrapes exactly the ContextHub replicas the file runs and sends to
/// its Alertmanager, the replicas accept the Host Prometheus sends, Grafana gets the data source the dashboard names
/// and the folder the dashboard is in; every service, volume and file the file names exists. `docker compose config`
/// checks the file too where the plugin exists, else Debian's `docker-compose` (1.29, installed by the test script).
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

        // The replicas accept the Host header Prometheus sends (their service name) and share Redis (readiness PINGs it).
        var environment = (YamlMappingNode)((YamlMappingNode)compose["x-contexthub"])["environment"];
        var allowed = Scalar(environment, "AllowedHosts")!.Split(';');
        Assert.All(replicas, r => Assert.Contains(r.Split(':')[0], allowed));
        Assert.Equal("redis:6379", Scalar(environment, "ContextHub__Redis__Configuration"));
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
    public void Every_service_volume_and_file_the_stack_names_exists()
    {
        var compose = Load(Path.Combine(Deploy, "compose.yaml"));
        var services = (YamlMappingNode)compose["services"];
        var names = services.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
        var declaredVolumes = ((YamlMappingNode)compose["volumes"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToHashSet();
        var problems = new List<string>();
        foreach (var name in names)
        {
            var service = Merged((YamlMappingNode)services[name]);
            if (service.Children.TryGetValue(new YamlScalarNode("depends_on"), out var dependsOn))
            {
                var needed = dependsOn is YamlSequenceNode list
                    ? list.Select(d => ((YamlScalarNode)d).Value!)
                    : ((YamlMappingNode)dependsOn).Children.Keys.Select(k => ((YamlScalarNode)k).Value!);
                problems.AddRange(needed.Where(n => !names.Contains(n)).Select(n => $"{name} depends on {n}, which is not a service"));
            }

            foreach (var source in Volumes(services, name).Select(v => v.Split(':')[0]))
            {
                if (source.StartsWith('.'))
                {
                    var path = Path.Combine(Deploy, source);
                    if (!Directory.Exists(path) && !File.Exists(path))
                    {
                        problems.Add($"{name} mounts {source}, which is not in deploy/");
                    }
                }
                else if (!declaredVolumes.Contains(source))
                {
                    problems.Add($"{name} uses the volume {source}, which the file does not declare");
                }
            }

            if (service.Children.TryGetValue(new YamlScalarNode("build"), out var build))
            {
                var context = Path.GetFullPath(Path.Combine(Deploy, Scalar((YamlMappingNode)build, "context")!));
                if (!File.Exists(Path.Combine(context, Scalar((YamlMappingNode)build, "dockerfile")!)))
                {
                    problems.Add($"{name} builds from a Dockerfile that does not exist");
                }
            }

            if (!service.Children.ContainsKey(new YamlScalarNode("image")) && build is null)
            {
                problems.Add($"{name} has neither an image nor a build");
            }
        }

        // The configuration files the containers are started with are in the mounted folders.
        foreach (var file in new[] { "prometheus/prometheus.yml", "prometheus/alerts.yml", "alertmanager/alertmanager.yml", "grafana/dashboards/contexthub.json" })
        {
            if (!File.Exists(Path.Combine(Deploy, file)))
            {
                problems.Add($"deploy/{file} is missing");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task Docker_compose_accepts_the_file_where_the_tool_exists()
    {
        var file = Path.Combine(Deploy, "compose.yaml");
        if (await TryRunAsync("docker", ["compose", "version"]) is (0, _))
        {
            var config = await ExternalProcess.RunAsync("docker", ["compose", "-f", file, "config", "--quiet"], TimeSpan.FromMinutes(1));
            Assert.True(config.ExitCode == 0, config.Output);
            return;
        }

        if (await TryRunAsync("docker-compose", ["version"]) is not (0, _))
        {
            return; // neither the compose plugin nor docker-compose here; the structure is checked above
        }

        // docker-compose 1.29 knows the Compose specification except the top-level project name (added after it):
        // check a copy without that one line, read from deploy/ so every relative path resolves as it would there.
        var copy = Path.Combine(Directory.CreateTempSubdirectory("contexthub-compose-").FullName, "compose.yaml");
        await File.WriteAllLinesAsync(copy, (await File.ReadAllLinesAsync(file)).Where(l => !l.StartsWith("name:", StringComparison.Ordinal)));
        var v1 = await ExternalProcess.RunAsync("docker-compose", ["-f", copy, "--project-directory", Deploy, "config", "--quiet"], TimeSpan.FromMinutes(1));
        Assert.True(v1.ExitCode == 0, v1.Output);
        var resolved = await ExternalProcess.RunAsync("docker-compose", ["-f", copy, "--project-directory", Deploy, "config", "--services"], TimeSpan.FromMinutes(1));
        Assert.Equal(["alertmanager", "contexthub-1", "contexthub-2", "elasticsearch", "grafana", "prometheus", "redis"],
            resolved.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
    }

    /// <summary>A service with its YAML merge key (<c>&lt;&lt;: *contexthub</c>) applied: the anchor's keys, then its own.</summary>
    private static YamlMappingNode Merged(YamlMappingNode service)
    {
        var merged = new YamlMappingNode();
        if (service.Children.TryGetValue(new YamlScalarNode("<<"), out var baseNode) && baseNode is YamlMappingNode anchor)
        {
            foreach (var (key, value) in anchor.Children)
            {
                merged.Children[key] = value;
            }
        }

        foreach (var (key, value) in service.Children.Where(c => ((YamlScalarNode)c.Key).Value != "<<"))
        {
            merged.Children[key] = value;
        }

        return merged;
    }

    private static async Task<(int ExitCode, string Output)?> TryRunAsync(string tool, string[] arguments)
    {
        try
        {
            return await ExternalProcess.RunAsync(tool, arguments, TimeSpan.FromSeconds(30));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
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
