using System.Text.Json;
using E = ConstitutionHub.Inference.Generation.Constraints.Grammar.Element;

namespace ConstitutionHub.Inference.Generation.Constraints;

/// <summary>
/// Compiles a JSON Schema (the subset structured outputs use) into a <see cref="Grammar"/> of the JSON texts it
/// accepts: type (one or a list), properties (in their order; required ones always, optional ones may be left out),
/// items with minItems/maxItems, strings with minLength/maxLength, enum, const, anyOf/oneOf, $ref into $defs/definitions, and any JSON value for an
/// empty schema. Output is compact JSON with at most one space after ':' and ','. Keywords it cannot enforce (pattern,
/// minimum, minLength...) are refused with their name, never silently ignored: an answer that passes the grammar always
/// passes the schema.
/// </summary>
internal sealed class JsonSchemaGrammar
{
    private static readonly HashSet<string> Annotations = ["title", "description", "$schema", "$id", "$comment", "default", "examples", "$defs", "definitions", "strict", "format"];
    private const int MaxItemsUnrolled = 64;
    private const int MaxLengthUnrolled = 4096;
    private const int MaxDepth = 32;

    private readonly Grammar g = new();
    private readonly JsonElement root;
    private readonly Dictionary<string, int> refs = new(StringComparer.Ordinal);
    private readonly int ws, value, @string, number, integer, character;

    private JsonSchemaGrammar(JsonElement root)
    {
        this.root = root;
        ws = g.Optional(Grammar.ByteSet.Of((byte)' '));
        this.character = CharacterRule();
        this.@string = StringRule(g.Star(Grammar.Ref(this.character)));
        this.integer = IntegerRule();
        this.number = NumberRule();
        this.value = AnyValueRule();
    }

    /// <summary>The grammar of JSON texts valid against <paramref name="schema"/>; throws invalid_request naming what it cannot enforce.</summary>
    public static Grammar Compile(JsonElement schema)
    {
        var compiler = new JsonSchemaGrammar(schema);
        compiler.g.Start = compiler.Schema(schema, "$", 0);
        return compiler.g;
    }

    /// <summary>Any JSON object (response_format json_object).</summary>
    public static Grammar AnyObject()
    {
        using var doc = JsonDocument.Parse("""{"type":"object"}""");
        return Compile(doc.RootElement.Clone());
    }

    private static InferenceException Refuse(string at, string what) =>
        new("invalid_request", $"response_format schema at {at}: {what}", "response_format");

    private int Schema(JsonElement s, string at, int depth)
    {
        if (depth > MaxDepth) throw Refuse(at, $"nests deeper than {MaxDepth} levels.");
        if (s.ValueKind == JsonValueKind.True) return this.value;
        if (s.ValueKind != JsonValueKind.Object) throw Refuse(at, "a schema must be an object (or true).");
        foreach (var p in s.EnumerateObject())
        {
            if (Annotations.Contains(p.Name) || p.Name is "type" or "properties" or "required" or "additionalProperties" or "items"
                or "minItems" or "maxItems" or "minLength" or "maxLength" or "enum" or "const" or "anyOf" or "oneOf" or "$ref") continue;
            throw Refuse(at, $"the keyword \"{p.Name}\" cannot be enforced while generating; remove it or express it with enum.");
        }
        if (s.TryGetProperty("$ref", out var reference)) return Ref(reference.GetString() ?? "", at, depth);
        if (s.TryGetProperty("const", out var constant)) return Literals([constant]);
        if (s.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0) throw Refuse(at, "enum must be a non-empty array.");
            return Literals(values.EnumerateArray());
        }
        foreach (var key in new[] { "anyOf", "oneOf" })
        {
            if (!s.TryGetProperty(key, out var options)) continue;
            if (options.ValueKind != JsonValueKind.Array || options.GetArrayLength() == 0) throw Refuse(at, $"{key} must be a non-empty array.");
            // oneOf as anyOf: exclusivity cannot be checked while generating, so only disjoint options are safe.
            return g.Rule(options.EnumerateArray().Select((o, i) => new[] { Grammar.Ref(Schema(o, $"{at}.{key}[{i}]", depth + 1)) }).ToArray());
        }
        if (!s.TryGetProperty("type", out var type)) return s.TryGetProperty("properties", out _) ? Object(s, at, depth) : this.value;
        if (type.ValueKind == JsonValueKind.Array)
            return g.Rule(type.EnumerateArray().Select(t => new[] { Grammar.Ref(Typed(s, t.GetString() ?? "", at, depth)) }).ToArray());
        return Typed(s, type.GetString() ?? "", at, depth);
    }

    private int Typed(JsonElement s, string type, string at, int depth) => type switch
    {
        "object" => Object(s, at, depth),
        "array" => Array(s, at, depth),
        "string" => BoundedString(s, at),
        "integer" => this.integer,
        "number" => this.number,
        "boolean" => g.Choice(["true", "false"]),
        "null" => g.Choice(["null"]),
        _ => throw Refuse(at, $"unknown type \"{type}\"."),
    };

    private int Ref(string reference, string at, int depth)
    {
        if (refs.TryGetValue(reference, out int known)) return known;
        var parts = reference.Split('/');
        if (parts.Length != 3 || parts[0] != "#" || parts[1] is not ("$defs" or "definitions")
            || !this.root.TryGetProperty(parts[1], out var defs) || !defs.TryGetProperty(parts[2], out var target))
            throw Refuse(at, $"$ref \"{reference}\" must point into #/$defs of the same schema.");
        // Declared first, so a recursive schema refers to itself.
        int rule = g.Declare();
        refs[reference] = rule;
        g.Add(rule, Grammar.Ref(Schema(target, reference, depth + 1)));
        return rule;
    }

    private int Object(JsonElement s, string at, int depth)
    {
        if (!s.TryGetProperty("properties", out var props))
        {
            // Any object: "{" (member ("," member)*)? "}".
            int member = g.Rule([Grammar.Ref(this.@string), ..Grammar.Literal(":"), Grammar.Ref(ws), Grammar.Ref(this.value)]);
            int more = g.Star(Grammar.Ref(g.Rule([..Grammar.Literal(","), Grammar.Ref(ws), Grammar.Ref(member)])));
            int any = g.Optional(Grammar.Ref(member), Grammar.Ref(more));
            return g.Rule([..Grammar.Literal("{"), Grammar.Ref(any), ..Grammar.Literal("}")]);
        }
        if (props.ValueKind != JsonValueKind.Object) throw Refuse(at, "properties must be an object.");
        var required = s.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().Select(x => x.GetString() ?? "").ToHashSet(StringComparer.Ordinal) : [];
        var names = props.EnumerateObject().Select(p => p.Name).ToList();
        foreach (var name in required)
            if (!names.Contains(name)) throw Refuse(at, $"\"{name}\" is required but has no schema in properties.");
        var members = props.EnumerateObject()
            .Select(p => g.Rule([..Grammar.Literal(JsonSerializer.Serialize(p.Name) + ":"), Grammar.Ref(ws), Grammar.Ref(Schema(p.Value, $"{at}.{p.Name}", depth + 1))]))
            .ToArray();
        bool[] optional = names.Select(n => !required.Contains(n)).ToArray();

        // after[i]: what may follow once member i-1 was written: nothing (when every later member is optional), or
        // ", member j" for a later j whose predecessors from i on are all optional, and so on.
        var after = new int[names.Count + 1];
        after[names.Count] = g.Empty();
        for (int i = names.Count - 1; i >= 0; i--)
        {
            var alternatives = new List<E[]>();
            if (Enumerable.Range(i, names.Count - i).All(k => optional[k])) alternatives.Add([]);
            for (int j = i; j < names.Count; j++)
            {
                alternatives.Add([..Grammar.Literal(","), Grammar.Ref(ws), Grammar.Ref(members[j]), Grammar.Ref(after[j + 1])]);
                if (!optional[j]) break;
            }
            after[i] = g.Rule([.. alternatives]);
        }
        var first = new List<E[]>();
        if (optional.All(o => o)) first.Add([]);
        for (int j = 0; j < names.Count; j++)
        {
            first.Add([Grammar.Ref(members[j]), Grammar.Ref(after[j + 1])]);
            if (!optional[j]) break;
        }
        return g.Rule([..Grammar.Literal("{"), Grammar.Ref(g.Rule([.. first])), ..Grammar.Literal("}")]);
    }

    private int Array(JsonElement s, string at, int depth)
    {
        int item = s.TryGetProperty("items", out var items) ? Schema(items, $"{at}[]", depth + 1) : this.value;
        int min = s.TryGetProperty("minItems", out var mi) && mi.TryGetInt32(out int a) ? a : 0;
        int? max = s.TryGetProperty("maxItems", out var ma) && ma.TryGetInt32(out int b) ? b : null;
        if (min < 0 || max < min) throw Refuse(at, "minItems and maxItems must satisfy 0 <= minItems <= maxItems.");
        if (min > MaxItemsUnrolled || max > MaxItemsUnrolled) throw Refuse(at, $"minItems and maxItems above {MaxItemsUnrolled} cannot be enforced.");
        var next = Grammar.Ref(g.Rule([..Grammar.Literal(","), Grammar.Ref(ws), Grammar.Ref(item)]));
        int body;
        if (max == 0) body = g.Empty();
        else
        {
            int rest = max is { } m ? g.Bounded(next, Math.Max(0, min - 1), m - 1) : RepeatAtLeast(next, Math.Max(0, min - 1));
            int nonEmpty = g.Rule([Grammar.Ref(item), Grammar.Ref(rest)]);
            body = min == 0 ? g.Optional(Grammar.Ref(nonEmpty)) : nonEmpty;
        }
        return g.Rule([..Grammar.Literal("["), Grammar.Ref(body), ..Grammar.Literal("]")]);
    }

    private int RepeatAtLeast(E element, int min)
    {
        var head = Enumerable.Repeat(element, min).ToList();
        head.Add(Grammar.Ref(g.Star(element)));
        return g.Rule([.. head]);
    }

    /// <summary>Each value as compact JSON.</summary>
    private int Literals(IEnumerable<JsonElement> values) => g.Choice(values.Select(v => JsonSerializer.Serialize(v)).Distinct());

    private int BoundedString(JsonElement s, string at)
    {
        bool hasMin = s.TryGetProperty("minLength", out var mi), hasMax = s.TryGetProperty("maxLength", out var ma);
        if (!hasMin && !hasMax) return this.@string;
        int min = 0, max = 0;
        if ((hasMin && !mi.TryGetInt32(out min)) || (hasMax && !ma.TryGetInt32(out max)) || min < 0 || (hasMax && max < min))
            throw Refuse(at, "minLength and maxLength must be whole numbers with 0 <= minLength <= maxLength.");
        if (min > MaxLengthUnrolled || max > MaxLengthUnrolled) throw Refuse(at, $"minLength and maxLength above {MaxLengthUnrolled} cannot be enforced.");
        var character = Grammar.Ref(this.character);
        int body = hasMax ? g.Bounded(character, min, max) : RepeatAtLeast(character, min);
        return StringRule(body);
    }

    private int StringRule(int body) =>
        g.Rule([..Grammar.Literal("\""), Grammar.Ref(body), ..Grammar.Literal("\"")]);

    /// <summary>
    /// One character of a JSON string as schemas count them: a printable ASCII byte but '"' and '\', a whole UTF-8
    /// sequence (so a cut-off reply is still valid UTF-8), or an escape. A surrogate pair written as two \u escapes
    /// counts as two, which keeps maxLength safe.
    /// </summary>
    private int CharacterRule()
    {
        var plain = Grammar.ByteSet.Range(0x20, 0x7F, '"', '\\');
        var tail = Grammar.ByteSet.Range(0x80, 0xBF);
        int twoBytes = g.Rule([Grammar.ByteSet.Range(0xC2, 0xDF), tail]);
        int threeBytes = g.Rule(
            [Grammar.ByteSet.Of(0xE0), Grammar.ByteSet.Range(0xA0, 0xBF), tail],
            [Grammar.ByteSet.Range(0xE1, 0xEC), tail, tail],
            [Grammar.ByteSet.Of(0xED), Grammar.ByteSet.Range(0x80, 0x9F), tail],
            [Grammar.ByteSet.Range(0xEE, 0xEF), tail, tail]);
        int fourBytes = g.Rule(
            [Grammar.ByteSet.Of(0xF0), Grammar.ByteSet.Range(0x90, 0xBF), tail, tail],
            [Grammar.ByteSet.Range(0xF1, 0xF3), tail, tail, tail],
            [Grammar.ByteSet.Of(0xF4), Grammar.ByteSet.Range(0x80, 0x8F), tail, tail]);
        var hex = new bool[256];
        foreach (char c in "0123456789abcdefABCDEF") hex[c] = true;
        var h = new Grammar.ByteSet(hex);
        int escape = g.Rule(
            [Grammar.ByteSet.Of((byte)'\\'), Grammar.ByteSet.Range(0, 255, Enumerable.Range(0, 256).Where(c => !"\"\\/bfnrt".Contains((char)c)).ToArray())],
            [..Grammar.Literal("\\u"), h, h, h, h]);
        return g.Rule([plain], [Grammar.Ref(twoBytes)], [Grammar.Ref(threeBytes)], [Grammar.Ref(fourBytes)], [Grammar.Ref(escape)]);
    }

    private int IntegerRule()
    {
        // -?(0|[1-9][0-9]{0,15}): no leading zeros, and no endless digits.
        var digit = Grammar.ByteSet.Range('0', '9');
        int digits = g.Bounded(digit, 0, 15);
        int magnitude = g.Rule(Grammar.Literal("0"), [Grammar.ByteSet.Range('1', '9'), Grammar.Ref(digits)]);
        return g.Rule([Grammar.Ref(g.Optional(Grammar.Literal("-"))), Grammar.Ref(magnitude)]);
    }

    private int NumberRule()
    {
        var digit = Grammar.ByteSet.Range('0', '9');
        int fraction = g.Optional([..Grammar.Literal("."), digit, Grammar.Ref(g.Bounded(digit, 0, 15))]);
        var sign = new bool[256];
        sign['+'] = sign['-'] = true;
        var e = new bool[256];
        e['e'] = e['E'] = true;
        int exponent = g.Optional([new Grammar.ByteSet(e), Grammar.Ref(g.Optional(new Grammar.ByteSet(sign))), digit, Grammar.Ref(g.Bounded(digit, 0, 2))]);
        return g.Rule([Grammar.Ref(this.integer), Grammar.Ref(fraction), Grammar.Ref(exponent)]);
    }

    private int AnyValueRule()
    {
        int value = g.Declare();
        int member = g.Rule([Grammar.Ref(this.@string), ..Grammar.Literal(":"), Grammar.Ref(ws), Grammar.Ref(value)]);
        int moreMembers = g.Star(Grammar.Ref(g.Rule([..Grammar.Literal(","), Grammar.Ref(ws), Grammar.Ref(member)])));
        int obj = g.Rule([..Grammar.Literal("{"), Grammar.Ref(g.Optional(Grammar.Ref(member), Grammar.Ref(moreMembers))), ..Grammar.Literal("}")]);
        int moreItems = g.Star(Grammar.Ref(g.Rule([..Grammar.Literal(","), Grammar.Ref(ws), Grammar.Ref(value)])));
        int arr = g.Rule([..Grammar.Literal("["), Grammar.Ref(g.Optional(Grammar.Ref(value), Grammar.Ref(moreItems))), ..Grammar.Literal("]")]);
        foreach (int rule in new[] { obj, arr, this.@string, this.number, g.Choice(["true", "false", "null"]) }) g.Add(value, Grammar.Ref(rule));
        return value;
    }
}
