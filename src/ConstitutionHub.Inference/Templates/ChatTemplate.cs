using System.Collections;
using System.Text.Json;

namespace ConstitutionHub.Inference.Templates;

/// <summary>
/// A parsed chat template (the Jinja subset that Hugging Face chat templates use), rendered exactly as
/// transformers.js renders it with @huggingface/jinja (trim_blocks and lstrip_blocks on).
/// </summary>
/// <remarks>Parsed templates are immutable; Render may be called concurrently.</remarks>
public sealed class ChatTemplate
{
    private readonly List<Node> body;
    private readonly Func<int, (int Line, int Column)> locate;

    private ChatTemplate(List<Node> body, Func<int, (int Line, int Column)> locate)
    {
        this.body = body;
        this.locate = locate;
    }

    /// <summary>The clock behind strftime_now (local time, as in transformers.js).</summary>
    public Func<DateTime> Clock { get; private init; } = () => DateTime.Now;

    /// <summary>The same template with another clock for strftime_now (tests, or a user's time zone).</summary>
    public ChatTemplate WithClock(Func<DateTime> clock) => new(this.body, this.locate) { Clock = clock };

    /// <summary>Parses a template; syntax errors and unsupported statements, filters or tests throw with line and column.</summary>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var body = TemplateParser.Parse(source, out var locate);
        return new ChatTemplate(body, locate);
    }

    /// <summary>
    /// Renders the conversation. Like transformers.js' apply_chat_template, <c>tools</c> and <c>documents</c> are
    /// none unless given; <paramref name="variables"/> supplies bos_token, eos_token, tools, date_string and so on.
    /// Values may be strings, numbers, booleans, null, lists, dictionaries, <see cref="ChatMessage"/> or JsonElement.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, object?>? variables = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var env = new Environment(null);
        var clock = Clock;
        TemplateInterpreter.SetupGlobals(env, clock);
        var items = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages,
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
            ["documents"] = null,
        };
        if (variables is not null)
        {
            foreach (var (k, v) in variables) items[k] = v;
        }
        foreach (var (k, v) in items)
        {
            env.Set(k, ToValue(v, k));
        }
        return new TemplateInterpreter(this.locate).Render(this.body, env);
    }

    /// <summary>
    /// Renders with exactly these variables and nothing added (messages too, in any shape: tool calls, content parts),
    /// as @huggingface/jinja's <c>Template.render(data)</c> does.
    /// </summary>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var env = new Environment(null);
        TemplateInterpreter.SetupGlobals(env, Clock);
        foreach (var (k, v) in variables)
        {
            env.Set(k, ToValue(v, k));
        }
        return new TemplateInterpreter(this.locate).Render(this.body, env);
    }

    private static Value ToValue(object? value, string name)
    {
        switch (value)
        {
            case null:
                return NullValue.Instance;
            case Value v:
                return v;
            case string s:
                return new StringValue(s);
            case bool b:
                return BoolValue.Of(b);
            case int or long or short or byte or sbyte or uint or ushort:
                return new IntValue(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
            case double or float or decimal:
                return Number(Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture));
            case ChatMessage m:
                return new ObjectValue(new OrderedDictionary<string, Value>(StringComparer.Ordinal)
                {
                    ["role"] = new StringValue(m.Role),
                    ["content"] = new StringValue(m.Content),
                });
            case JsonElement e:
                return FromJson(e);
            case System.Text.Json.Nodes.JsonNode node:
                return FromJson(JsonSerializer.SerializeToElement(node));
            case IDictionary dict:
            {
                var map = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
                foreach (DictionaryEntry entry in dict)
                {
                    map[entry.Key.ToString() ?? ""] = ToValue(entry.Value, name);
                }
                return new ObjectValue(map);
            }
            case IEnumerable<KeyValuePair<string, object?>> pairs:
            {
                var map = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
                foreach (var (k, v) in pairs) map[k] = ToValue(v, name);
                return new ObjectValue(map);
            }
            case IEnumerable list:
            {
                var items = new List<Value>();
                foreach (object? item in list) items.Add(ToValue(item, name));
                return new ArrayValue(items);
            }
            default:
                throw new TemplateException($"The template variable '{name}' has a value of type {value.GetType().Name}, which templates cannot use.", 0, 0);
        }
    }

    /// <summary>JavaScript has one number type: a whole number becomes an integer value, as Number.isInteger says.</summary>
    private static Value Number(double d) => double.IsFinite(d) && d % 1 == 0 ? IntValue.FromJs(d) : new FloatValue(d);

    private static Value FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => NullValue.Instance,
        JsonValueKind.True => BoolValue.True,
        JsonValueKind.False => BoolValue.False,
        JsonValueKind.String => new StringValue(e.GetString()!),
        JsonValueKind.Number => Number(e.GetDouble()),
        JsonValueKind.Array => new ArrayValue(e.EnumerateArray().Select(FromJson).ToList()),
        JsonValueKind.Object => new ObjectValue(new OrderedDictionary<string, Value>(
            e.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, FromJson(p.Value))), StringComparer.Ordinal)),
        _ => NullValue.Instance,
    };
}
