using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConstitutionHub.Core.Streams;

/// <summary>
/// The one JSON shape of our events and JSON columns: web defaults (camelCase), enums as snake_case strings,
/// nulls left out. Marten's serializer is configured with the same settings (<see cref="Apply"/>), so events
/// written by the store before Marten read back unchanged.
/// </summary>
public static class HubJson
{
    public static readonly JsonSerializerOptions Options = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.PropertyNameCaseInsensitive = true;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        return options;
    }
}
