using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>Small readers over tokenizer.json elements that turn malformed input into <see cref="TokenizerException"/>.</summary>
internal static class Json
{
    public static string Type(JsonElement e, string what)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String)
        {
            throw new TokenizerException($"The {what} in tokenizer.json has no \"type\".");
        }
        return t.GetString()!;
    }

    public static bool IsNull(JsonElement e) => e.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public static JsonElement Prop(JsonElement e, string name)
    {
        return e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;
    }

    public static string? String(JsonElement e, string name)
    {
        var v = Prop(e, name);
        return v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    public static bool? Bool(JsonElement e, string name)
    {
        var v = Prop(e, name);
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
    }

    public static int? Int(JsonElement e, string name)
    {
        var v = Prop(e, name);
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;
    }

    public static IEnumerable<JsonElement> Array(JsonElement e, string name)
    {
        var v = Prop(e, name);
        if (v.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        return v.EnumerateArray();
    }
}
