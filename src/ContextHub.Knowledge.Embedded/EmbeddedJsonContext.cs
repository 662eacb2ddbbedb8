using System.Text.Json.Serialization;

namespace ContextHub.Knowledge.Embedded;

[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(List<long>))]
internal sealed partial class EmbeddedJsonContext : JsonSerializerContext;
