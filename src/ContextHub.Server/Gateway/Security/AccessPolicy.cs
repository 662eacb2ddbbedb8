using System.Text.RegularExpressions;
using ContextHub.Knowledge;
using ContextHub.Messaging;
using Microsoft.Extensions.Options;

namespace ContextHub.Server.Gateway.Security;

/// <summary>
/// What a caller may use, from <c>ContextHub:Security:Authorization:Rules</c>: a caller must hold one scope of every
/// rule that matches what it uses (nothing matches: anyone may). <c>*</c> grants every scope. Knowledge operations are the
/// knowledge tools and the document resources; access tags (<c>access:NAME</c> on a document) need the scope
/// <c>knowledge:access:NAME</c> (or <c>knowledge:access:*</c>). The answer depends on the rules and the name asked for,
/// never on whether the thing exists.
/// </summary>
public sealed class AccessPolicy : IMcpAccessPolicy
{
    public const string AllScopes = "*";
    public const string AccessScopePrefix = "knowledge:access:";

    private static readonly Dictionary<string, string> KnowledgeTools = new(StringComparer.Ordinal)
    {
        ["search"] = "search",
        ["fetch"] = "fetch",
        ["ingest"] = "ingest",
        ["ingest_many"] = "ingest",
        ["delete"] = "delete",
    };

    private readonly SecurityOptions _options;
    private readonly IReadOnlySet<string> _anonymousScopes;
    private readonly IReadOnlySet<string> _localScopes;
    private readonly CompiledRule[] _tools;
    private readonly CompiledRule[] _resources;
    private readonly CompiledRule[] _prompts;
    private readonly CompiledRule[] _knowledge;

    public AccessPolicy(IOptions<SecurityOptions> options)
    {
        _options = options.Value;
        _anonymousScopes = _options.RequireAuthentication ? new HashSet<string>() : (_options.AnonymousScopes ?? [AllScopes]).ToHashSet(StringComparer.Ordinal);
        _localScopes = (_options.Stdio.Scopes ?? [AllScopes]).ToHashSet(StringComparer.Ordinal);
        CompiledRule[] Of(string kind) =>
            [.. _options.Authorization.Rules.Where(r => r.Kind.Equals(kind, StringComparison.OrdinalIgnoreCase)).Select(r => new CompiledRule(r))];
        _tools = Of("tool");
        _resources = Of("resource");
        _prompts = Of("prompt");
        _knowledge = Of("knowledge");
    }

    /// <summary>Every scope the rules name (the protected-resource metadata lists them).</summary>
    public IReadOnlyList<string> KnownScopes =>
        [.. _options.Authorization.Rules.SelectMany(r => r.Scopes).Append(_options.AdminScope).Append(AccessScopePrefix + "*").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>The scopes a caller holds: its credentials', or the configured ones for anonymous and local callers.</summary>
    public IReadOnlySet<string> ScopesOf(McpCaller caller) => caller.AuthKind switch
    {
        McpAuthKind.Anonymous => caller.Transport == McpTransportKind.InProcess ? AllScopeSet : _anonymousScopes,
        McpAuthKind.Local => _localScopes,
        _ => caller.Scopes,
    };

    public bool HasScope(McpCaller caller, string scope)
    {
        var scopes = ScopesOf(caller);
        return scopes.Contains(AllScopes) || scopes.Contains(scope);
    }

    public bool CanUseTool(McpCaller caller, string name)
    {
        var scopes = ScopesOf(caller);
        return Allows(_tools, name, scopes) && (!KnowledgeTools.TryGetValue(name, out var operation) || Allows(_knowledge, operation, scopes));
    }

    public bool CanReadResource(McpCaller caller, string uri)
    {
        var scopes = ScopesOf(caller);
        if (_resources.Length > 0 && !scopes.Contains(AllScopes) && HasDotSegment(uri))
        {
            // res://open/../closed/x must not pass a rule for res://open/*: such a URI is refused outright.
            return false;
        }

        return Allows(_resources, uri, scopes) && (!uri.StartsWith(KnowledgeUris.DocumentPrefix, StringComparison.Ordinal) || Allows(_knowledge, "fetch", scopes));
    }

    public bool CanUsePrompt(McpCaller caller, string name) => Allows(_prompts, name, ScopesOf(caller));

    /// <summary>The access names (without <c>access:</c>) a caller may see; null when it may see every document.</summary>
    public IReadOnlyCollection<string>? AccessNamesOf(McpCaller caller)
    {
        var scopes = ScopesOf(caller);
        if (scopes.Contains(AllScopes) || scopes.Contains(AccessScopePrefix + "*"))
        {
            return null;
        }

        return [.. scopes.Where(s => s.StartsWith(AccessScopePrefix, StringComparison.Ordinal) && s.Length > AccessScopePrefix.Length)
            .Select(s => s[AccessScopePrefix.Length..])];
    }

    private static bool HasDotSegment(string uri)
    {
        var decoded = Uri.UnescapeDataString(Uri.UnescapeDataString(uri)).Replace('\\', '/');
        return decoded.Contains("/../", StringComparison.Ordinal) || decoded.EndsWith("/..", StringComparison.Ordinal)
            || decoded.Contains("/./", StringComparison.Ordinal) || decoded.EndsWith("/.", StringComparison.Ordinal);
    }

    private static readonly IReadOnlySet<string> AllScopeSet = new HashSet<string> { AllScopes };

    private static bool Allows(CompiledRule[] rules, string name, IReadOnlySet<string> scopes)
    {
        if (rules.Length == 0 || scopes.Contains(AllScopes))
        {
            return true;
        }

        foreach (var rule in rules)
        {
            if (rule.Matches(name) && !rule.Scopes.Any(scopes.Contains))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class CompiledRule(AuthorizationRule rule)
    {
        private readonly Regex _pattern = new("^" + Regex.Escape(rule.Pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$",
            RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromMilliseconds(100));

        public IReadOnlyList<string> Scopes { get; } = rule.Scopes;

        public bool Matches(string name) => _pattern.IsMatch(name);
    }
}
