using System.Text.Json.Serialization;

namespace ContextHub.Knowledge.Embedded;

[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class EmbeddedJsonContext : JsonSerializerContext;
