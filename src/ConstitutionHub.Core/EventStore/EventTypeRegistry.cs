using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConstitutionHub.Core.EventStore;

/// <summary>
/// Maps event records to stable aliases such as <c>revision_committed</c>. The alias, never the CLR name, is
/// stored, so classes can be renamed or moved without rewriting history.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly Dictionary<string, Type> byAlias = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> byType = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public EventTypeRegistry Register<T>(string alias)
    {
        if (byAlias.TryGetValue(alias, out var existing) && existing != typeof(T))
            throw new InvalidOperationException($"Event alias '{alias}' is already used by {existing.Name}.");
        byAlias[alias] = typeof(T);
        byType[typeof(T)] = alias;
        return this;
    }

    public string AliasOf(object data) =>
        byType.TryGetValue(data.GetType(), out var alias)
            ? alias
            : throw new InvalidOperationException($"Event type {data.GetType().Name} has no registered alias.");

    public string Serialize(object data) => JsonSerializer.Serialize(data, data.GetType(), Json);

    public object Deserialize(string alias, string json) =>
        byAlias.TryGetValue(alias, out var type)
            ? JsonSerializer.Deserialize(json, type, Json) ?? throw new InvalidDataException($"Event '{alias}' is null.")
            : new UnknownEvent(alias, json);
}

/// <summary>An event whose alias this build does not know (written by a newer node): kept, not dropped.</summary>
public sealed record UnknownEvent(string Alias, string Json);
