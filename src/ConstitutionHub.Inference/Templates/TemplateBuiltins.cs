using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Templates;

/// <summary>JavaScript comparison semantics that @huggingface/jinja inherits.</summary>
internal static class Js
{
    public static bool IsNumericLike(Value v) => v is IntValue or FloatValue or BoolValue;

    public static double Number(Value v) => v switch
    {
        IntValue i => i.Number,
        FloatValue f => f.V,
        BoolValue b => b.V ? 1 : 0,
        StringValue s => ToNumber(s.V),
        NullValue => 0,
        _ => double.NaN,
    };

    private static double ToNumber(string s)
    {
        string t = JsText.Trim(s);
        if (t.Length == 0) return 0;
        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : double.NaN;
    }

    /// <summary>a.value == b.value in JavaScript.</summary>
    public static bool LooseEquals(Value a, Value b)
    {
        bool aNullish = a is NullValue or UndefinedValue, bNullish = b is NullValue or UndefinedValue;
        if (aNullish || bNullish) return aNullish && bNullish;
        if (a is StringValue sa && b is StringValue sb) return sa.V == sb.V;
        bool aPrim = a is IntValue or FloatValue or BoolValue or StringValue;
        bool bPrim = b is IntValue or FloatValue or BoolValue or StringValue;
        if (aPrim && bPrim) return Number(a) == Number(b);
        return ReferenceEquals(a, b);
    }

    /// <summary>Set membership of item.value (SameValueZero): primitives by value, lists and mappings by identity.</summary>
    public static bool SameValueZero(Value a, Value b) => (a, b) switch
    {
        (ArrayValue or ObjectValue or NamespaceValue, _) or (_, ArrayValue or ObjectValue or NamespaceValue) => ReferenceEquals(a, b),
        _ => StrictEquals(a, b),
    };

    /// <summary>a.value === b.value in JavaScript.</summary>
    public static bool StrictEquals(Value a, Value b) => (a, b) switch
    {
        (IntValue or FloatValue, IntValue or FloatValue) => Number(a) == Number(b),
        (StringValue x, StringValue y) => x.V == y.V,
        (BoolValue x, BoolValue y) => x.V == y.V,
        (NullValue, NullValue) => true,
        (UndefinedValue, UndefinedValue) => true,
        _ => ReferenceEquals(a, b),
    };

    public static int Compare(Value a, Value b, bool caseSensitive)
    {
        if (a is NullValue && b is NullValue) return 0;
        if (a is NullValue || b is NullValue || a is UndefinedValue ^ b is UndefinedValue) throw new InvalidOperationException($"Cannot compare {a.TypeName} with {b.TypeName}");
        if (a is UndefinedValue) return 0;
        if (IsNumericLike(a) && IsNumericLike(b)) return Number(a).CompareTo(Number(b));
        if (a is StringValue x && b is StringValue y)
        {
            string l = caseSensitive ? x.V : JsText.ToLower(x.V), r = caseSensitive ? y.V : JsText.ToLower(y.V);
            return string.CompareOrdinal(l, r) switch { < 0 => -1, > 0 => 1, _ => 0 };
        }
        throw new InvalidOperationException($"Cannot compare different types: {a.TypeName} and {b.TypeName}");
    }
}

/// <summary>Methods, filters and tests, as @huggingface/jinja 0.5.11 defines them.</summary>
internal static class Builtins
{
    private static Exception Error(string message) => new TemplateRuntimeError(message);

    public static Value? Object(ObjectValue o, string name) => name switch
    {
        "get" => new FunctionValue((args, _) =>
        {
            if (args.Count == 0 || args[0] is not StringValue key) throw Error("Object key must be a string");
            return o.Entries.TryGetValue(key.V, out var v) ? v : args.Count > 1 ? args[1] : NullValue.Instance;
        }),
        "items" => new FunctionValue((_, _) => Items(o)),
        "keys" => new FunctionValue((_, _) => new ArrayValue(o.Entries.Keys.Select(k => (Value)new StringValue(k)).ToList())),
        "values" => new FunctionValue((_, _) => new ArrayValue(o.Entries.Values.ToList())),
        "dictsort" => new FunctionValue((args, _) => DictSort(o, args)),
        _ => null,
    };

    /// <summary>dictsort(case_sensitive=false, by='key', reverse=false): the items sorted by key or value.</summary>
    private static ArrayValue DictSort(ObjectValue o, List<Value> args)
    {
        var kwargs = args.OfType<KeywordArgumentsValue>().LastOrDefault()?.Entries ?? new OrderedDictionary<string, Value>(StringComparer.Ordinal);
        var positional = args.Where(a => a is not KeywordArgumentsValue).ToList();
        Value Arg(int i, string key) => (i < positional.Count ? positional[i] : null) ?? kwargs.GetValueOrDefault(key) ?? UndefinedValue.Instance;
        if ((Arg(0, "case_sensitive") is UndefinedValue ? BoolValue.False : Arg(0, "case_sensitive")) is not BoolValue caseSensitive) throw Error("case_sensitive must be a boolean");
        if ((Arg(1, "by") is UndefinedValue ? new StringValue("key") : Arg(1, "by")) is not StringValue by) throw Error("by must be a string");
        if (by.V is not ("key" or "value")) throw Error("by must be either 'key' or 'value'");
        if ((Arg(2, "reverse") is UndefinedValue ? BoolValue.False : Arg(2, "reverse")) is not BoolValue reverse) throw Error("reverse must be a boolean");
        int index = by.V == "key" ? 0 : 1;
        return new ArrayValue(StableSort(Items(o).Items.ToList(), (a, b) =>
        {
            int r = Js.Compare(((ArrayValue)a).Items[index], ((ArrayValue)b).Items[index], caseSensitive.V);
            return reverse.V ? -r : r;
        }));
    }

    private static ArrayValue Items(ObjectValue o) =>
        new(o.Entries.Select(e => (Value)new ArrayValue([new StringValue(e.Key), e.Value])).ToList());

    public static Value? String(StringValue s, string name)
    {
        string v = s.V;
        return name switch
        {
            "upper" => Fn(_ => new StringValue(JsText.ToUpper(v))),
            "lower" => Fn(_ => new StringValue(JsText.ToLower(v))),
            // JavaScript's trim family: any argument (Python's chars) is ignored by @huggingface/jinja.
            "strip" => Fn(_ => new StringValue(JsText.Trim(v))),
            "lstrip" => Fn(_ => new StringValue(JsText.TrimStart(v))),
            "rstrip" => Fn(_ => new StringValue(JsText.TrimEnd(v))),
            "title" => Fn(_ => new StringValue(TitleCase(v))),
            "capitalize" => Fn(_ => new StringValue(Capitalize(v))),
            "length" => new IntValue(v.Length),
            "startswith" => Fn(args => BoolValue.Of(MatchesAffix(v, args, "startswith", (a, b) => a.StartsWith(b, StringComparison.Ordinal)))),
            "endswith" => Fn(args => BoolValue.Of(MatchesAffix(v, args, "endswith", (a, b) => a.EndsWith(b, StringComparison.Ordinal)))),
            "split" => Fn(args => Split(v, args)),
            "replace" => Fn(args => Replace(v, args)),
            _ => null,
        };
    }

    private static FunctionValue Fn(Func<List<Value>, Value> f) => new((args, _) => f(args));

    private static string Capitalize(string v) => v.Length == 0 ? v : JsText.ToUpper(v[..1]) + v[1..];

    /// <summary>value.replace(/\b\w/g, toUpperCase): ASCII word characters after a non-word character.</summary>
    internal static string TitleCase(string v)
    {
        var sb = new StringBuilder(v);
        for (int i = 0; i < sb.Length; i++)
        {
            bool word = char.IsAsciiLetterOrDigit(sb[i]) || sb[i] == '_';
            bool prevWord = i > 0 && (char.IsAsciiLetterOrDigit(v[i - 1]) || v[i - 1] == '_');
            if (word && !prevWord) sb[i] = char.ToUpperInvariant(sb[i]);
        }
        return sb.ToString();
    }

    private static bool MatchesAffix(string v, List<Value> args, string name, Func<string, string, bool> test)
    {
        if (args.Count == 0) throw Error($"{name}() requires at least one argument");
        return args[0] switch
        {
            StringValue s => test(v, s.V),
            ArrayValue a => a.Items.Any(i => i is StringValue s ? test(v, s.V) : throw Error($"{name}() tuple elements must be strings")),
            _ => throw Error($"{name}() argument must be a string or tuple of strings"),
        };
    }

    private static Value Split(string v, List<Value> args)
    {
        Value sep = args.Count > 0 ? args[0] : NullValue.Instance;
        long maxsplit = args.Count > 1 ? (args[1] as IntValue)?.V ?? throw Error("maxsplit argument must be a number") : -1;
        var result = new List<string>();
        if (sep is NullValue)
        {
            string text = JsText.TrimStart(v);
            foreach (Match m in Regex.Matches(text, @"[^\t\n\v\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]+"))
            {
                if (maxsplit != -1 && result.Count >= maxsplit)
                {
                    result.Add(m.Value + text[(m.Index + m.Length)..]);
                    break;
                }
                result.Add(m.Value);
            }
        }
        else if (sep is StringValue s)
        {
            if (s.V.Length == 0) throw Error("empty separator");
            result = [.. v.Split(s.V)];
            if (maxsplit != -1 && result.Count > maxsplit)
            {
                string rest = string.Join(s.V, result.Skip((int)maxsplit));
                result = [.. result.Take((int)maxsplit), rest];
            }
        }
        else
        {
            throw Error("sep argument must be a string or null");
        }
        return new ArrayValue(result.ConvertAll(x => (Value)new StringValue(x)));
    }

    private static Value Replace(string v, List<Value> args)
    {
        if (args.Count < 2) throw Error("replace() requires at least two arguments");
        if (args[0] is not StringValue oldValue || args[1] is not StringValue newValue) throw Error("replace() arguments must be strings");
        Value count = args.Count > 2 ? args[2] is KeywordArgumentsValue kw ? kw.Entries.GetValueOrDefault("count") ?? NullValue.Instance : args[2] : NullValue.Instance;
        if (count is not (IntValue or NullValue)) throw Error("replace() count argument must be a number or null");
        long remaining = count is IntValue c && c.V >= 0 ? c.V : long.MaxValue;
        if (remaining == 0) return new StringValue(v);
        if (oldValue.V.Length == 0)
        {
            // Replacing "" inserts at every code point boundary, as the (?=) regex with the u flag does.
            var sb = new StringBuilder();
            for (int i = 0; i <= v.Length; i += i < v.Length && char.IsSurrogatePair(v, i) ? 2 : 1)
            {
                if (remaining-- > 0) sb.Append(newValue.V);
                if (i < v.Length) sb.Append(v, i, char.IsSurrogatePair(v, i) ? 2 : 1);
            }
            return new StringValue(sb.ToString());
        }
        var result = new StringBuilder();
        int pos = 0;
        while (remaining > 0)
        {
            int at = v.IndexOf(oldValue.V, pos, StringComparison.Ordinal);
            if (at < 0) break;
            result.Append(v, pos, at - pos).Append(newValue.V);
            pos = at + oldValue.V.Length;
            remaining--;
        }
        result.Append(v, pos, v.Length - pos);
        return new StringValue(result.ToString());
    }

    public static bool Test(string name, Value operand, Value arg) => name switch
    {
        "boolean" => operand is BoolValue,
        "callable" => operand is FunctionValue,
        "odd" => operand is IntValue i ? i.V % 2 != 0 : throw Error($"cannot odd on {operand.TypeName}"),
        "even" => operand is IntValue i ? i.V % 2 == 0 : throw Error($"cannot even on {operand.TypeName}"),
        "false" => operand is BoolValue { V: false },
        "true" => operand is BoolValue { V: true },
        "none" => operand is NullValue,
        "string" => operand is StringValue,
        "number" => operand is IntValue or FloatValue,
        "integer" => operand is IntValue,
        "iterable" => operand is ArrayValue or StringValue,
        "mapping" => operand is ObjectValue,
        "sequence" => operand is ArrayValue or ObjectValue or StringValue,
        "lower" => operand is StringValue s && s.V == JsText.ToLower(s.V),
        "upper" => operand is StringValue s && s.V == JsText.ToUpper(s.V),
        "defined" => operand is not UndefinedValue,
        "undefined" => operand is UndefinedValue,
        "equalto" or "eq" => Js.StrictEquals(operand, arg),
        "sameas" => ReferenceEquals(operand, arg) || Js.StrictEquals(operand, arg) && operand is not (ArrayValue or ObjectValue),
        "divisibleby" => operand is IntValue a && arg is IntValue b && b.V != 0 && a.V % b.V == 0,
        _ => throw Error($"Unknown test: {name}"),
    };

    /// <summary>A filter named without parentheses (<c>x | upper</c>), dispatched on the operand's type as @huggingface/jinja does.</summary>
    public static Value Filter(string name, Value operand)
    {
        switch (name)
        {
            case "safe":
                return operand;
            case "tojson":
                return new StringValue(JsonWriter.Write(operand, null, false, null, false));
        }
        switch (operand)
        {
            case ArrayValue arr:
                return name switch
                {
                    "list" => arr,
                    "first" => arr.Items.Count > 0 ? arr.Items[0] : throw Error("Cannot read the first item of an empty list"),
                    "last" => arr.Items.Count > 0 ? arr.Items[^1] : throw Error("Cannot read the last item of an empty list"),
                    "length" => new IntValue(arr.Items.Count),
                    "reverse" => new ArrayValue(Enumerable.Reverse(arr.Items).ToList()),
                    "sort" => new ArrayValue(StableSort(arr.Items.ToList(), (a, b) => Js.Compare(a, b, caseSensitive: false))),
                    "join" => new StringValue(string.Concat(arr.Items.Select(RawJoinString))),
                    "string" => new StringValue(JsonWriter.Write(arr, null, false, null, false, undefinedAsNull: false)),
                    "unique" => Unique(arr),
                    _ => throw Error($"Unknown ArrayValue filter: {name}"),
                };
            case StringValue str:
                return name switch
                {
                    "length" or "upper" or "lower" or "title" or "capitalize" => String(str, name) switch
                    {
                        FunctionValue f => f.Call([], null!),
                        var v => v!,
                    },
                    "trim" => new StringValue(JsText.Trim(str.V)),
                    "indent" => Indent(str.V, 4, first: false, blank: false),
                    "join" or "string" => str,
                    "int" => ParseInt(str.V) is long l ? new IntValue(l) : new IntValue(0),
                    "float" => new FloatValue(ParseFloat(str.V) ?? 0),
                    _ => throw Error($"Unknown StringValue filter: {name}"),
                };
            case IntValue or FloatValue:
                return name switch
                {
                    "abs" => operand is IntValue i ? new IntValue(Math.Abs(i.V)) : new FloatValue(Math.Abs(((FloatValue)operand).V)),
                    "int" => operand is IntValue ? operand : new IntValue((long)Math.Floor(((FloatValue)operand).V)),
                    "float" => new FloatValue(Js.Number(operand)),
                    "string" => new StringValue(operand.ToString()),
                    _ => throw Error($"Unknown NumericValue filter: {name}"),
                };
            case ObjectValue obj:
                return name switch
                {
                    "items" => Items(obj),
                    "length" => new IntValue(obj.Entries.Count),
                    _ => Object(obj, name) switch
                    {
                        FunctionValue f => f.Call([], null!),
                        null => throw Error($"Unknown ObjectValue filter: {name}"),
                        var v => v,
                    },
                };
            case BoolValue b:
                return name switch
                {
                    "bool" => b,
                    "int" => new IntValue(b.V ? 1 : 0),
                    "float" => new FloatValue(b.V ? 1 : 0),
                    "string" => new StringValue(b.V ? "true" : "false"),
                    _ => throw Error($"Unknown BooleanValue filter: {name}"),
                };
        }
        throw Error($"Cannot apply filter \"{name}\" to type: {operand.TypeName}");
    }

    /// <summary>A filter called with parentheses (<c>x | join(", ")</c>), as @huggingface/jinja dispatches it.</summary>
    public static Value Filter(string name, Value operand, List<Value> args, OrderedDictionary<string, Value> kwargs)
    {
        Value? Arg(int i, string key) => i < args.Count ? args[i] : kwargs.GetValueOrDefault(key);
        switch (name)
        {
            case "tojson":
                return ToJson(operand, kwargs);
            case "join":
            {
                IEnumerable<string> items = operand switch
                {
                    StringValue s => s.V.EnumerateRunes().Select(r => r.ToString()),
                    ArrayValue a => a.Items.Select(RawJoinString),
                    _ => throw Error($"Cannot apply filter \"join\" to type: {operand.TypeName}"),
                };
                Value sepValue = (args.Count > 0 ? args[0] : null) ?? kwargs.GetValueOrDefault("separator") ?? new StringValue("");
                if (sepValue is not StringValue separator) throw Error("separator must be a string");
                return new StringValue(string.Join(separator.V, items));
            }
            case "int" or "float":
            {
                Value fallback = Arg(0, "default") ?? (name == "int" ? new IntValue(0) : new FloatValue(0));
                return operand switch
                {
                    StringValue s when name == "int" => ParseInt(s.V) is long l ? new IntValue(l) : fallback,
                    StringValue s => ParseFloat(s.V) is double d ? new FloatValue(d) : fallback,
                    IntValue or FloatValue => operand,
                    BoolValue b => name == "int" ? new IntValue(b.V ? 1 : 0) : new FloatValue(b.V ? 1 : 0),
                    _ => throw Error($"Cannot apply filter \"{name}\" to type: {operand.TypeName}"),
                };
            }
            case "default":
            {
                Value defaultValue = args.Count > 0 ? args[0] : new StringValue("");
                Value boolean = (args.Count > 1 ? args[1] : null) ?? kwargs.GetValueOrDefault("boolean") ?? BoolValue.False;
                if (boolean is not BoolValue flag) throw Error("`default` filter flag must be a boolean");
                return operand is UndefinedValue || (flag.V && !operand.Truthy) ? defaultValue : operand;
            }
        }
        switch (operand)
        {
            case ArrayValue arr:
                return ArrayFilter(name, arr, args, kwargs);
            case StringValue str when name == "indent":
            {
                Value width = Arg(0, "width") ?? new IntValue(4);
                if (width is not IntValue w) throw Error("width must be a number");
                return Indent(str.V, w.V, (Arg(1, "first") ?? BoolValue.False).Truthy, (Arg(2, "blank") ?? BoolValue.False).Truthy);
            }
            case StringValue str when name == "replace":
                return ((FunctionValue)String(str, "replace")!).Call([.. args, new KeywordArgumentsValue(kwargs)], null!);
            case StringValue:
                throw Error($"Unknown StringValue filter: {name}");
            case ObjectValue obj:
                if (Object(obj, name) is FunctionValue method)
                {
                    return method.Call(kwargs.Count > 0 ? [.. args, new KeywordArgumentsValue(kwargs)] : args, null!);
                }
                throw Error($"Unknown ObjectValue filter: {name}");
        }
        throw Error($"Cannot apply filter \"{name}\" to type: {operand.TypeName}");
    }

    private static StringValue ToJson(Value operand, OrderedDictionary<string, Value> kwargs)
    {
        Value indent = kwargs.GetValueOrDefault("indent") ?? NullValue.Instance;
        if (indent is not (IntValue or NullValue)) throw Error("If set, indent must be a number");
        Value ensureAscii = kwargs.GetValueOrDefault("ensure_ascii") ?? BoolValue.False;
        if (ensureAscii is not BoolValue ascii) throw Error("If set, ensure_ascii must be a boolean");
        Value sortKeys = kwargs.GetValueOrDefault("sort_keys") ?? BoolValue.False;
        if (sortKeys is not BoolValue sort) throw Error("If set, sort_keys must be a boolean");
        (string, string)? separators = null;
        switch (kwargs.GetValueOrDefault("separators") ?? NullValue.Instance)
        {
            case ArrayValue sep:
                if (sep.Items.Count != 2 || sep.Items[0] is not StringValue a || sep.Items[1] is not StringValue b) throw Error("separators must be a tuple of two strings");
                separators = (a.V, b.V);
                break;
            case NullValue:
                break;
            default:
                throw Error("If set, separators must be a tuple of two strings");
        }
        // indent.value: 0 means none, as JavaScript's truthiness has it.
        int? width = indent is IntValue { V: > 0 } i ? (int)i.V : null;
        return new StringValue(JsonWriter.Write(operand, width, ascii.V, separators, sort.V));
    }

    /// <summary>parseInt(s, 10): optional white space and sign, then decimal digits; null where JavaScript gives NaN.</summary>
    private static long? ParseInt(string s)
    {
        Match m = Regex.Match(JsText.TrimStart(s), @"^[+-]?\d+");
        if (!m.Success) return null;
        // Beyond a long, JavaScript keeps an imprecise double; the nearest long is what an integer value can hold.
        return long.TryParse(m.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) ? l
            : m.Value.StartsWith('-') ? long.MinValue : long.MaxValue;
    }

    /// <summary>parseFloat: the longest decimal prefix (or Infinity); null where JavaScript gives NaN.</summary>
    private static double? ParseFloat(string s)
    {
        string t = JsText.TrimStart(s);
        Match f = Regex.Match(t, @"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?");
        if (f.Success) return double.Parse(f.Value, CultureInfo.InvariantCulture);
        Match inf = Regex.Match(t, @"^([+-]?)Infinity");
        return inf.Success ? (inf.Groups[1].Value == "-" ? double.NegativeInfinity : double.PositiveInfinity) : null;
    }

    private static StringValue Indent(string text, long width, bool first, bool blank)
    {
        string pad = new(' ', (int)Math.Max(0, width));
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if ((!first && i == 0) || (!blank && lines[i].Length == 0)) continue;
            lines[i] = pad + lines[i];
        }
        return new StringValue(string.Join("\n", lines));
    }

    /// <summary>A Set over item.value: equal strings, numbers and booleans collapse; lists and mappings only if the same object.</summary>
    private static ArrayValue Unique(ArrayValue arr)
    {
        var output = new List<Value>();
        foreach (var item in arr.Items)
        {
            if (!output.Any(o => Js.SameValueZero(o, item))) output.Add(item);
        }
        return new ArrayValue(output);
    }

    /// <summary>Array.prototype.join over raw values: null and undefined join as empty strings.</summary>
    private static string RawJoinString(Value v) => v switch
    {
        NullValue or UndefinedValue => "",
        _ => v.JsString(),
    };

    private static Value ArrayFilter(string name, ArrayValue arr, List<Value> args, OrderedDictionary<string, Value> kwargs)
    {
        Value? Arg(int i, string key) => i < args.Count ? args[i] : kwargs.GetValueOrDefault(key);
        switch (name)
        {
            case "sort":
            {
                if ((Arg(0, "reverse") ?? BoolValue.False) is not BoolValue reverse) throw Error("reverse must be a boolean");
                if ((Arg(1, "case_sensitive") ?? BoolValue.False) is not BoolValue caseSensitive) throw Error("case_sensitive must be a boolean");
                Value attribute = Arg(2, "attribute") ?? NullValue.Instance;
                if (attribute is not (StringValue or IntValue or NullValue)) throw Error("attribute must be a string, integer, or null");
                Value Key(Value item) => attribute switch
                {
                    StringValue s => AttributePath(item, s.V),
                    IntValue i => AttributePath(item, i.V.ToString(CultureInfo.InvariantCulture)),
                    _ => item,
                };
                return new ArrayValue(StableSort(arr.Items.ToList(), (a, b) =>
                {
                    int r = Js.Compare(Key(a), Key(b), caseSensitive.V);
                    return reverse.V ? -r : r;
                }));
            }
            case "selectattr":
            case "rejectattr":
            {
                if (arr.Items.Any(i => i is not (ObjectValue or NamespaceValue))) throw Error($"`{name}` can only be applied to array of objects");
                string attr = ((StringValue)args[0]).V;
                string? testName = args.Count > 1 ? ((StringValue)args[1]).V : null;
                Value testArg = args.Count > 2 ? args[2] : UndefinedValue.Instance;
                var filtered = arr.Items.Where(item =>
                {
                    var entries = item is ObjectValue o ? o.Entries : ((NamespaceValue)item).Entries;
                    entries.TryGetValue(attr, out var a);
                    // transformers.js tests `a ? ... : false`, so a missing attribute never selects.
                    bool result = a is not null && (testName is null ? a.Truthy : Test(testName, a, testArg));
                    return name == "selectattr" ? result : !result;
                }).ToList();
                return new ArrayValue(filtered);
            }
            case "map":
            {
                if (!kwargs.TryGetValue("attribute", out var attribute))
                {
                    throw Error("`map` expressions without `attribute` set are not currently supported.");
                }
                if (attribute is not StringValue attr) throw Error("attribute must be a string");
                Value? fallback = kwargs.GetValueOrDefault("default");
                return new ArrayValue(arr.Items.Select(item =>
                {
                    if (item is not (ObjectValue or NamespaceValue)) throw Error("items in map must be an object");
                    Value v = AttributePath(item, attr.V);
                    return v is UndefinedValue ? fallback ?? UndefinedValue.Instance : v;
                }).ToList());
            }
        }
        throw Error($"Unknown ArrayValue filter: {name}");
    }

    private static Value AttributePath(Value item, string path)
    {
        Value value = item;
        foreach (string part in path.Split('.'))
        {
            switch (value)
            {
                case ObjectValue o:
                    value = o.Entries.TryGetValue(part, out var v) ? v : UndefinedValue.Instance;
                    break;
                case NamespaceValue ns:
                    value = ns.Entries.TryGetValue(part, out var nv) ? nv : UndefinedValue.Instance;
                    break;
                case ArrayValue a when int.TryParse(part, out int idx) && idx >= 0 && idx < a.Items.Count:
                    value = a.Items[idx];
                    break;
                default:
                    return UndefinedValue.Instance;
            }
        }
        return value;
    }

    private static List<Value> StableSort(List<Value> items, Comparison<Value> compare)
    {
        // Array.prototype.sort is stable; List.Sort is not.
        return items.Select((v, i) => (v, i)).OrderBy(x => x, Comparer<(Value V, int I)>.Create((a, b) =>
        {
            int r = compare(a.V, b.V);
            return r != 0 ? r : a.I.CompareTo(b.I);
        })).Select(x => x.v).ToList();
    }
}

/// <summary>A runtime failure inside a builtin; the interpreter adds the position of the expression.</summary>
internal sealed class TemplateRuntimeError(string message) : Exception(message);
