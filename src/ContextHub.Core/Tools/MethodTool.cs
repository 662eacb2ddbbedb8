using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using ContextHub.Messaging;
using ContextHub.Protocol;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;

namespace ContextHub.Tools;

/// <summary>
/// A tool made from a C# method. Schema generation and argument binding are Microsoft.Extensions.AI's
/// <see cref="AIFunctionFactory"/>; <see cref="McpCallContext"/>, services and the cancellation token are bound by ContextHub.
/// </summary>
public sealed class MethodTool : McpTool
{
    private static readonly object ContextKey = typeof(McpCallContext);
    private readonly AIFunction _function;
    private readonly bool _structured;
    private readonly TimeSpan? _timeout;

    private MethodTool(AIFunction function, Tool definition, bool structured, TimeSpan? timeout, McpToolAttribute attribute)
    {
        TaskSupport = attribute.TaskSupport;
        StartsTaskItself = attribute.StartsTaskItself;
        _function = function;
        Definition = definition;
        _structured = structured;
        _timeout = timeout;
    }

    public override Tool Definition { get; }

    public override TimeSpan? Timeout => _timeout;

    public override Tasks.ToolTaskSupport TaskSupport { get; }

    public override bool StartsTaskItself { get; }

    /// <summary>Every <see cref="McpToolAttribute"/> method of <paramref name="type"/>; instance methods get a new instance per call from DI.</summary>
    public static IEnumerable<MethodTool> FromType(Type type, IServiceProvider? services = null)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var method in type.GetMethods(flags))
        {
            if (method.GetCustomAttribute<McpToolAttribute>() is not null)
            {
                yield return FromMethod(method, services);
            }
        }
    }

    public static MethodTool FromMethod(MethodInfo method, IServiceProvider? services = null, string? name = null)
    {
        var attribute = method.GetCustomAttribute<McpToolAttribute>() ?? new McpToolAttribute();
        name ??= attribute.Name ?? ToSnakeCase(method.Name.EndsWith("Async", StringComparison.Ordinal) ? method.Name[..^5] : method.Name);
        var isService = services?.GetService<IServiceProviderIsService>();
        var structured = ToolResults.IsStructured(method.ReturnType);

        var options = new AIFunctionFactoryOptions
        {
            Name = name,
            Description = method.GetCustomAttribute<DescriptionAttribute>()?.Description,
            SerializerOptions = McpJson.Options,
            ExcludeResultSchema = !structured,
            MarshalResult = static (result, _, _) => new ValueTask<object?>(result),
            ConfigureParameterBinding = parameter =>
            {
                if (parameter.ParameterType == typeof(McpCallContext))
                {
                    return new AIFunctionFactoryOptions.ParameterBindingOptions
                    {
                        BindParameter = static (_, args) => args.Context![ContextKey],
                        ExcludeFromSchema = true,
                    };
                }

                if (isService?.IsService(parameter.ParameterType) == true)
                {
                    return new AIFunctionFactoryOptions.ParameterBindingOptions
                    {
                        BindParameter = (p, args) => args.Services!.GetRequiredService(p.ParameterType),
                        ExcludeFromSchema = true,
                    };
                }

                return default;
            },
        };

        var function = method.IsStatic
            ? AIFunctionFactory.Create(method, (object?)null, options)
            : AIFunctionFactory.Create(method, args => ActivatorUtilities.CreateInstance(args.Services!, method.DeclaringType!), options);

        var definition = new Tool
        {
            Name = name,
            Title = attribute.Title,
            Description = function.Description is { Length: > 0 } d ? d : null,
            InputSchema = function.JsonSchema,
            OutputSchema = structured && function.ReturnJsonSchema is { } output ? OutputSchemas.AllowAbsentNulls(output) : null,
            Annotations = attribute.ReadOnly || attribute.Destructive || attribute.Idempotent || attribute.OpenWorld || attribute.Title is not null
                ? new ToolAnnotations
                {
                    Title = attribute.Title,
                    ReadOnlyHint = attribute.ReadOnly,
                    DestructiveHint = attribute.Destructive,
                    IdempotentHint = attribute.Idempotent,
                    OpenWorldHint = attribute.OpenWorld,
                }
                : null,
        };
        var timeout = attribute.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(attribute.TimeoutSeconds) : (TimeSpan?)null;
        return new MethodTool(function, definition, structured, timeout, attribute);
    }

    public override async ValueTask<CallToolResult> InvokeAsync(McpCallContext context, JsonElement arguments)
    {
        var args = new AIFunctionArguments { Services = context.Services, Context = new Dictionary<object, object?> { [ContextKey] = context } };
        if (arguments.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in arguments.EnumerateObject())
            {
                args[property.Name] = property.Value;
            }
        }

        object? result;
        try
        {
            result = await _function.InvokeAsync(args, context.CancellationToken);
        }
        catch (ArgumentException e) when (e.TargetSite?.DeclaringType?.Assembly == typeof(AIFunctionFactory).Assembly)
        {
            // The binder could not turn an argument into the parameter's type.
            throw McpErrorException.InvalidParams(e.Message, "arguments");
        }

        return ToolResults.From(result, _structured);
    }

    private static string ToSnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
