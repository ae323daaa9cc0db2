using System.Text.Json;
using System.Text.RegularExpressions;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Tests.Chats;

/// <summary>Transcripts of a real chat read back from PostgreSQL: a branch edited, a reply regenerated, one interrupted,
/// one failed and one run with another revision.</summary>
public sealed class ChatExportTests : IAsyncLifetime
{
    private ChatTestHost host = null!;
    private ChatRow chat = null!;
    private Guid q1, a1, q2, a2, q2Edited, a2Edited, a1Failed, q3, a3;

    public async Task InitializeAsync()
    {
        host = await ChatTestHost.CreateAsync(nameof(ChatExportTests));
        var section = await host.SectionIdAsync("Agreeableness");
        chat = await host.StartAsync(recipe: new Dictionary<string, string> { [section] = "lower" }, title: "Blunt helper");
        (q1, a1) = await host.TurnAsync(chat.Id, null, "What is 2+2?", "It is ", "4.");
        (q2, a2) = await host.TurnAsync(chat.Id, a1, "And 3+3?", "6.");
        (q2Edited, a2Edited) = await host.TurnAsync(chat.Id, a1, "And 3+4? *Be* _brief_", "7.");

        // A regenerate of the first answer that failed: left out of JSONL, kept in JSON.
        a1Failed = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, q1, null, "node-a", Guid.NewGuid());
        await host.Commands.FailReplyAsync(Actor.System, chat.Id, a1Failed, "The model ran out of memory.", Guid.NewGuid());

        // A third turn on the edited branch, with revision 2 and cut off by a restart.
        await host.Constitutions.SaveAsync(ChatTestHost.Ada, "helper", ChatTestHost.Markdown.Replace("believes is true", "knows", StringComparison.Ordinal),
            "tweak", 1, Guid.NewGuid());
        var other = await host.Commands.ProvenanceAsync(ChatTestHost.Ada, "helper", 2, new Dictionary<string, string>(), ChatTestHost.TinyModel,
            ChatTestHost.Sampling);
        q3 = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, a2Edited, "Now 5+5, slowly", Guid.NewGuid());
        a3 = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, q3, other, "node-a", Guid.NewGuid());
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, a3, "Five plus five is", 4, Guid.NewGuid());
        await new ChatRecovery(host.Queries, host.Commands).MarkInterruptedAsync("node-a");
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Given_a_branched_chat_when_exported_to_markdown_then_the_viewed_branch_and_its_provenance_are_written()
    {
        var thread = (await host.Queries.ThreadAsync(chat.Id, a2))!;
        var md = ChatExport.Markdown(thread);

        Assert.StartsWith("# Blunt helper\n", md, StringComparison.Ordinal);
        Assert.Contains($"- System prompt: `{thread.Provenance.PromptHash}`", md, StringComparison.Ordinal);
        Assert.Contains("- Model: tiny-llama (file sha256 `" + new string('a', 64) + "`) on CPUExecutionProvider", md, StringComparison.Ordinal);
        Assert.Contains("temperature 0.7, top-k 40, top-p 0.95, min-p 0.05, repetition penalty 1.1, max new tokens 256, seed 42", md, StringComparison.Ordinal);
        Assert.Contains("```text\n" + thread.Provenance.SystemPrompt + "```\n", md, StringComparison.Ordinal);
        var order = new[] { "## User\n\nWhat is 2+2?", "## Assistant\n\nIt is 4.", "## User\n\nAnd 3+3?", "## Assistant\n\n6." }
            .Select(s => md.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order);
        Assert.DoesNotContain("3+4", md, StringComparison.Ordinal);
        Assert.Contains("_complete · finish: stop · 50 prompt tokens · 6 tokens · 120 ms to first token · 25.5 tokens/s_", md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_reply_with_its_own_provenance_when_exported_to_markdown_then_the_change_is_noted_at_the_reply()
    {
        var md = ChatExport.Markdown((await host.Queries.ThreadAsync(chat.Id, a3))!);
        Assert.Contains("> - Constitution: helper, revision 2", md, StringComparison.Ordinal);
        Assert.Contains("Five plus five is\n\n_interrupted · 4 tokens · " + ChatRecovery.RestartReason, md, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_chat_when_exported_to_json_then_it_validates_against_the_published_schema_and_keeps_every_message()
    {
        var thread = (await host.Queries.ThreadAsync(chat.Id, a2Edited))!;
        using var document = JsonDocument.Parse(ChatExport.Json(thread));
        using var schema = JsonDocument.Parse(File.ReadAllText(SchemaPath()));

        Assert.Empty(SchemaCheck.Errors(document.RootElement, schema.RootElement));
        var root = document.RootElement;
        Assert.Equal(thread.Provenance.PromptHash, root.GetProperty("provenance").GetProperty("promptHash").GetString());
        Assert.Equal(thread.Provenance.SystemPrompt, root.GetProperty("provenance").GetProperty("systemPrompt").GetString());
        Assert.Equal(9, root.GetProperty("messages").GetArrayLength());
        Assert.Equal([q1, a1, q2Edited, a2Edited, q3, a3], root.GetProperty("branch").EnumerateArray().Select(e => e.GetGuid()));
        var messages = root.GetProperty("messages").EnumerateArray().ToDictionary(m => m.GetProperty("id").GetGuid());
        Assert.Equal("failed", messages[a1Failed].GetProperty("status").GetString());
        Assert.Equal("The model ran out of memory.", messages[a1Failed].GetProperty("error").GetString());
        Assert.Equal(2, messages[a3].GetProperty("provenance").GetProperty("revision").GetInt32());
        Assert.Equal(JsonValueKind.Null, messages[a1].GetProperty("provenance").ValueKind);
    }

    [Fact]
    public void Given_a_document_missing_a_required_field_when_checked_then_the_schema_check_reports_it()
    {
        // Guards the checker itself: a check that passes everything would prove nothing above.
        using var schema = JsonDocument.Parse(File.ReadAllText(SchemaPath()));
        using var broken = JsonDocument.Parse("""{"format":"constitutionhub.chat-transcript","version":1,"chat":{},"messages":[{"role":"robot"}]}""");
        var errors = SchemaCheck.Errors(broken.RootElement, schema.RootElement);
        Assert.Contains(errors, e => e.Contains("$: missing 'provenance'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("$.chat: missing 'id'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("$.messages[0].role", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Given_a_branched_chat_when_exported_to_jsonl_then_each_answered_branch_is_one_parseable_line()
    {
        var thread = (await host.Queries.ThreadAsync(chat.Id))!;
        var lines = ChatExport.Jsonl(thread).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var conversations = lines.Select(l =>
        {
            using var line = JsonDocument.Parse(l);
            Assert.Equal(["messages"], line.RootElement.EnumerateObject().Select(p => p.Name));
            return line.RootElement.GetProperty("messages").EnumerateArray()
                .Select(m => (Role: m.GetProperty("role").GetString()!, Content: m.GetProperty("content").GetString()!)).ToList();
        }).ToList();

        // Branches: q1-a1-q2-a2, q1-a1-q2'-a2'-q3-a3 (interrupted, kept with its partial text); q1 -> failed reply is left out.
        Assert.Equal(2, conversations.Count);
        Assert.Equal(["system", "user", "assistant", "user", "assistant"], conversations[0].Select(m => m.Role));
        Assert.Equal(thread.Provenance.SystemPrompt, conversations[0][0].Content);
        Assert.Equal("6.", conversations[0][^1].Content);
        Assert.Equal(["What is 2+2?", "It is 4.", "And 3+4? *Be* _brief_", "7.", "Now 5+5, slowly", "Five plus five is"],
            conversations[1].Skip(1).Select(m => m.Content));
        // The last reply ran with revision 2: its prompt is the one on that line.
        Assert.Contains("The model says what it knows", conversations[1][0].Content, StringComparison.Ordinal);
    }

    private static string SchemaPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "src", "ConstitutionHub.Core", "Chats", "transcript.schema.json");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("src/ConstitutionHub.Core/Chats/transcript.schema.json not found above the test output folder.");
    }
}

/// <summary>
/// The subset of JSON Schema 2020-12 that transcript.schema.json uses ($ref to $defs, type, const, enum, required,
/// properties, additionalProperties, items, oneOf, pattern, minimum, maximum). No validator package is available
/// here, so the tests check the keywords the schema relies on themselves.
/// </summary>
internal static class SchemaCheck
{
    public static List<string> Errors(JsonElement instance, JsonElement schema)
    {
        var errors = new List<string>();
        Check(instance, schema, schema, "$", errors);
        return errors;
    }

    private static void Check(JsonElement value, JsonElement schema, JsonElement root, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var target = root;
            foreach (var part in reference.GetString()!.TrimStart('#', '/').Split('/')) target = target.GetProperty(part);
            Check(value, target, root, path, errors);
        }
        if (schema.TryGetProperty("type", out var type))
        {
            var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!allowed.Any(t => IsType(value, t))) errors.Add($"{path}: expected {string.Join("|", allowed)}, got {value.ValueKind}");
        }
        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(value, constant))
            errors.Add($"{path}: expected {constant.GetRawText()}");
        if (schema.TryGetProperty("enum", out var options) && !options.EnumerateArray().Any(o => JsonElement.DeepEquals(o, value)))
            errors.Add($"{path}: {value.GetRawText()} is not one of {options.GetRawText()}");
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var matches = oneOf.EnumerateArray().Count(s => Errors(value, s, root).Count == 0);
            if (matches != 1) errors.Add($"{path}: matches {matches} of oneOf");
        }
        if (value.ValueKind == JsonValueKind.String && schema.TryGetProperty("pattern", out var pattern)
            && !Regex.IsMatch(value.GetString()!, pattern.GetString()!))
            errors.Add($"{path}: does not match {pattern.GetString()}");
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (schema.TryGetProperty("minimum", out var min) && value.GetDouble() < min.GetDouble()) errors.Add($"{path}: below {min}");
            if (schema.TryGetProperty("maximum", out var max) && value.GetDouble() > max.GetDouble()) errors.Add($"{path}: above {max}");
        }
        if (value.ValueKind == JsonValueKind.Object)
        {
            if (schema.TryGetProperty("required", out var required))
                foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
                    if (!value.TryGetProperty(name, out _)) errors.Add($"{path}: missing '{name}'");
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            foreach (var property in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var sub))
                    Check(property.Value, sub, root, $"{path}.{property.Name}", errors);
                else if (schema.TryGetProperty("additionalProperties", out var extra))
                {
                    if (extra.ValueKind == JsonValueKind.False) errors.Add($"{path}: unexpected '{property.Name}'");
                    else if (extra.ValueKind == JsonValueKind.Object) Check(property.Value, extra, root, $"{path}.{property.Name}", errors);
                }
            }
        }
        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray()) Check(item, items, root, $"{path}[{i++}]", errors);
        }
    }

    private static List<string> Errors(JsonElement value, JsonElement schema, JsonElement root)
    {
        var errors = new List<string>();
        Check(value, schema, root, "$", errors);
        return errors;
    }

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        _ => throw new NotSupportedException($"Schema type '{type}'"),
    };
}
