using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConstitutionHub.Core.Documents;

namespace ConstitutionHub.Core.PromptSets;

/// <summary>
/// Prompt sets in and out as JSONL and CSV, the two formats eval tools share (promptfoo reads both, Langfuse
/// datasets export JSONL). A JSONL line is <c>{"id", "messages": [{"role", "content"}], "tags", "notes"}</c>, or
/// <c>"prompt"</c> instead of <c>"messages"</c> for one user message. CSV has the columns <c>id, prompt, tags,
/// notes, messages</c> (tags separated by <c>;</c>; <c>messages</c>, a JSON array, only for multi-turn items).
/// An item without an id gets one from its content, so importing the same file twice replaces rather than duplicates.
/// Every error names its line.
/// </summary>
public static class PromptSetFormats
{
    public const int MaxImportBytes = 20 * 1024 * 1024;

    public static IReadOnlyList<PromptItem> ReadJsonl(string text)
    {
        CheckSize(text);
        var items = new List<PromptItem>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            var where = $"Line {i + 1}";
            JsonObject json;
            try
            {
                json = JsonNode.Parse(line) as JsonObject ?? throw new ValidationException("file", $"{where}: each line is one JSON object.");
            }
            catch (JsonException e)
            {
                throw new ValidationException("file", $"{where}: not valid JSON ({e.Message}).");
            }
            items.Add(ItemFrom(where,
                Text(json, "id", where), Text(json, "prompt", where), json["messages"], Tags(json["tags"], where), Text(json, "notes", where)));
        }
        return PromptItemRules.CheckAll(items);
    }

    public static string WriteJsonl(IEnumerable<PromptItem> items)
    {
        var text = new StringBuilder();
        foreach (var item in items)
        {
            var json = new JsonObject
            {
                ["id"] = item.Id,
                ["messages"] = new JsonArray(item.Turns.Select(t => (JsonNode)new JsonObject { ["role"] = t.Role, ["content"] = t.Content }).ToArray()),
                ["tags"] = new JsonArray(item.Tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()),
            };
            if (item.Notes is not null) json["notes"] = item.Notes;
            text.Append(json.ToJsonString()).Append('\n');
        }
        return text.ToString();
    }

    public static IReadOnlyList<PromptItem> ReadCsv(string text)
    {
        CheckSize(text);
        var rows = Csv.Parse(text);
        if (rows.Count == 0) throw new ValidationException("file", "The file is empty.");
        var header = rows[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToList();
        int Column(string name) => header.IndexOf(name);
        int id = Column("id"), prompt = Column("prompt"), tags = Column("tags"), notes = Column("notes"), messages = Column("messages");
        if (prompt < 0 && messages < 0)
            throw new ValidationException("file", "Line 1: the header names the columns and needs 'prompt' or 'messages' (and may have 'id', 'tags', 'notes').");

        var items = new List<PromptItem>();
        foreach (var (line, fields) in rows.Skip(1))
        {
            if (fields.All(string.IsNullOrWhiteSpace)) continue;
            var where = $"Line {line}";
            if (fields.Count > header.Count) throw new ValidationException("file", $"{where}: {fields.Count} fields, but the header has {header.Count}.");
            string? Field(int column) => column >= 0 && column < fields.Count && fields[column].Length > 0 ? fields[column] : null;
            JsonNode? turns = null;
            if (Field(messages) is { } m)
            {
                try { turns = JsonNode.Parse(m); }
                catch (JsonException e) { throw new ValidationException("messages", $"{where}: 'messages' is not a JSON array ({e.Message})."); }
            }
            var tagList = (Field(tags) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // A multi-turn row repeats its last user turn under 'prompt' for people reading the sheet: 'messages' is the item.
            items.Add(ItemFrom(where, Field(id)?.Trim(), turns is null ? Field(prompt) : null, turns, tagList, Field(notes)));
        }
        return PromptItemRules.CheckAll(items);
    }

    public static string WriteCsv(IEnumerable<PromptItem> items)
    {
        var text = new StringBuilder("id,prompt,tags,notes,messages\r\n");
        foreach (var item in items)
        {
            var messages = item.Turns.Count == 1 ? "" : JsonSerializer.Serialize(item.Turns.Select(t => new { role = t.Role, content = t.Content }));
            text.AppendJoin(',', new[] { item.Id, item.Prompt, string.Join(';', item.Tags), item.Notes ?? "", messages }.Select(Csv.Quote)).Append("\r\n");
        }
        return text.ToString();
    }

    /// <summary>An id from the item's content: the same conversation always gets the same id.</summary>
    public static string ContentId(IReadOnlyList<PromptTurn> turns)
    {
        var canonical = string.Join("\u001e", turns.Select(t => t.Role + "\u001f" + t.Content));
        return "p-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..12];
    }

    private static PromptItem ItemFrom(string where, string? id, string? prompt, JsonNode? messages, IReadOnlyList<string> tags, string? notes)
    {
        if (prompt is not null && messages is not null)
            throw new ValidationException("messages", $"{where}: give 'prompt' or 'messages', not both.");
        IReadOnlyList<PromptTurn> turns = messages is not null ? Turns(messages, where)
            : prompt is not null ? [new PromptTurn("user", prompt)]
            : throw new ValidationException("messages", $"{where}: the item has neither 'prompt' nor 'messages'.");
        return new PromptItem(string.IsNullOrWhiteSpace(id) ? ContentId(turns) : id, turns, tags, notes);
    }

    private static List<PromptTurn> Turns(JsonNode messages, string where)
    {
        if (messages is not JsonArray array) throw new ValidationException("messages", $"{where}: 'messages' is an array of {{role, content}}.");
        return array.Select((m, i) => m is JsonObject o && o["role"] is JsonValue r && r.TryGetValue<string>(out var role)
                && o["content"] is JsonValue c && c.TryGetValue<string>(out var content)
                ? new PromptTurn(role.Trim().ToLowerInvariant(), content)
                : throw new ValidationException("messages", $"{where}: message {i + 1} needs a string 'role' and a string 'content'."))
            .ToList();
    }

    private static string? Text(JsonObject json, string name, string where) => json[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when name == "id" && v.TryGetValue<long>(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new ValidationException(name, $"{where}: '{name}' must be a string."),
    };

    private static IReadOnlyList<string> Tags(JsonNode? tags, string where) => tags switch
    {
        null => [],
        JsonArray a => a.Select(t => t is JsonValue v && v.TryGetValue<string>(out var s) ? s
            : throw new ValidationException("tags", $"{where}: 'tags' is an array of strings.")).ToList(),
        _ => throw new ValidationException("tags", $"{where}: 'tags' is an array of strings."),
    };

    private static void CheckSize(string text)
    {
        if (Encoding.UTF8.GetByteCount(text) > MaxImportBytes)
            throw new ValidationException("file", $"The file is larger than {MaxImportBytes / 1024 / 1024} MB.");
    }
}

/// <summary>RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks.</summary>
internal static class Csv
{
    public static List<(int Line, List<string> Fields)> Parse(string text)
    {
        if (text.StartsWith('\uFEFF')) text = text[1..];
        var rows = new List<(int, List<string>)>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, rowLine = 1;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; field.Append(c); }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0: quoted = true; break;
                case ',': fields.Add(field.ToString()); field.Clear(); break;
                case '\r': break;
                case '\n':
                    fields.Add(field.ToString()); field.Clear();
                    rows.Add((rowLine, fields)); fields = [];
                    rowLine = ++line;
                    break;
                default: field.Append(c); break;
            }
        }
        if (quoted) throw new ValidationException("file", $"Line {rowLine}: a quoted field is not closed.");
        if (field.Length > 0 || fields.Count > 0) { fields.Add(field.ToString()); rows.Add((rowLine, fields)); }
        return rows;
    }

    public static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) >= 0 || field.StartsWith(' ') || field.EndsWith(' ')
            ? "\"" + field.Replace("\"", "\"\"") + "\"" : field;
}
