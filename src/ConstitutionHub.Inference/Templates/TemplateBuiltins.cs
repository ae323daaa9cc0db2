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
        IntValue i => i.V,
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

/// <summary>Methods, filters and tests, as @huggingface/jinja defines them (plus round, which it lacks).</summary>
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
        _ => null,
    };

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
        "float" => operand is FloatValue,
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

    public static Value Filter(string name, Value operand, List<Value> args, OrderedDictionary<string, Value> kwargs)
    {
        Value? Arg(int i, string key) => i < args.Count ? args[i] : kwargs.GetValueOrDefault(key);
        switch (name)
        {
            case "safe":
                return operand;
            case "tojson":
            {
                Value indent = kwargs.GetValueOrDefault("indent") ?? NullValue.Instance;
                if (indent is not (IntValue or NullValue)) throw Error("If set, indent must be a number");
                bool ensureAscii = (kwargs.GetValueOrDefault("ensure_ascii") as BoolValue)?.V ?? false;
                bool sortKeys = (kwargs.GetValueOrDefault("sort_keys") as BoolValue)?.V ?? false;
                (string, string)? separators = null;
                if (kwargs.GetValueOrDefault("separators") is ArrayValue sep)
                {
                    if (sep.Items.Count != 2 || sep.Items[0] is not StringValue a || sep.Items[1] is not StringValue b) throw Error("separators must be a tuple of two strings");
                    separators = (a.V, b.V);
                }
                return new StringValue(JsonWriter.Write(operand, (int?)(indent as IntValue)?.V, ensureAscii, separators, sortKeys));
            }
            case "default":
            case "d":
            {
                Value defaultValue = Arg(0, "default_value") ?? new StringValue("");
                bool boolean = (Arg(1, "boolean") as BoolValue)?.V ?? false;
                return operand is UndefinedValue || (boolean && !operand.Truthy) ? defaultValue : operand;
            }
            case "join":
            {
                IEnumerable<Value> items = operand switch
                {
                    StringValue s => s.V.EnumerateRunes().Select(r => (Value)new StringValue(r.ToString())),
                    ArrayValue a => a.Items,
                    _ => throw Error($"Cannot apply filter \"join\" to type: {operand.TypeName}"),
                };
                Value sepValue = Arg(0, "d") ?? kwargs.GetValueOrDefault("separator") ?? new StringValue("");
                if (sepValue is not StringValue separator) throw Error("separator must be a string");
                return new StringValue(string.Join(separator.V, items.Select(RawJoinString)));
            }
            case "int" or "float" when operand is StringValue s:
            {
                Value fallback = Arg(0, "default") ?? (name == "int" ? new IntValue(0) : new FloatValue(0));
                if (name == "int")
                {
                    Match m = Regex.Match(JsText.TrimStart(s.V), @"^[+-]?\d+");
                    return m.Success && long.TryParse(m.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) ? new IntValue(l) : fallback;
                }
                Match f = Regex.Match(JsText.TrimStart(s.V), @"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?");
                return f.Success ? new FloatValue(double.Parse(f.Value, CultureInfo.InvariantCulture)) : fallback;
            }
            case "int":
                return operand switch
                {
                    IntValue => operand,
                    FloatValue fv => args.Count > 0 || kwargs.Count > 0 ? operand : new IntValue((long)Math.Floor(fv.V)),
                    BoolValue b => new IntValue(b.V ? 1 : 0),
                    _ => throw Error($"Cannot apply filter \"int\" to type: {operand.TypeName}"),
                };
            case "float":
                return operand switch
                {
                    IntValue i => args.Count > 0 || kwargs.Count > 0 ? operand : new FloatValue(i.V),
                    FloatValue => operand,
                    BoolValue b => new FloatValue(b.V ? 1 : 0),
                    _ => throw Error($"Cannot apply filter \"float\" to type: {operand.TypeName}"),
                };
            case "round":
            {
                double v = operand is IntValue or FloatValue ? Js.Number(operand) : throw Error($"Cannot apply filter \"round\" to type: {operand.TypeName}");
                long precision = (Arg(0, "precision") as IntValue)?.V ?? 0;
                string method = (Arg(1, "method") as StringValue)?.V ?? "common";
                double factor = Math.Pow(10, precision);
                double r = method switch
                {
                    "ceil" => Math.Ceiling(v * factor) / factor,
                    "floor" => Math.Floor(v * factor) / factor,
                    _ => Math.Round(v * factor, MidpointRounding.AwayFromZero) / factor,
                };
                return new FloatValue(r);
            }
        }
        switch (operand)
        {
            case ArrayValue arr:
                return ArrayFilter(name, arr, args, kwargs);
            case StringValue str:
                switch (name)
                {
                    case "length":
                    case "count":
                        return new IntValue(str.V.Length);
                    case "upper":
                    case "lower":
                    case "title":
                    case "capitalize":
                        return ((FunctionValue)String(str, name)!).Call([], null!);
                    case "trim":
                        return new StringValue(JsText.Trim(str.V));
                    case "indent":
                    {
                        long width = Arg(0, "width") is IntValue w ? w.V : Arg(0, "width") is null ? 4 : throw Error("width must be a number");
                        bool first = Arg(1, "first")?.Truthy ?? false;
                        bool blank = Arg(2, "blank")?.Truthy ?? false;
                        string pad = new(' ', (int)width);
                        var lines = str.V.Split('\n');
                        for (int i = 0; i < lines.Length; i++)
                        {
                            if ((!first && i == 0) || (!blank && lines[i].Length == 0)) continue;
                            lines[i] = pad + lines[i];
                        }
                        return new StringValue(string.Join("\n", lines));
                    }
                    case "string":
                        return str;
                    case "replace":
                    {
                        var all = new List<Value>(args) { new KeywordArgumentsValue(kwargs) };
                        return ((FunctionValue)String(str, "replace")!).Call(all, null!);
                    }
                    case "list":
                        return new ArrayValue(str.V.EnumerateRunes().Select(r => (Value)new StringValue(r.ToString())).ToList());
                }
                break;
            case IntValue or FloatValue:
                switch (name)
                {
                    case "abs":
                        return operand is IntValue i ? new IntValue(Math.Abs(i.V)) : new FloatValue(Math.Abs(((FloatValue)operand).V));
                    case "string":
                        return new StringValue(operand.ToString());
                }
                break;
            case ObjectValue obj:
                switch (name)
                {
                    case "items":
                        return Items(obj);
                    case "length":
                    case "count":
                        return new IntValue(obj.Entries.Count);
                    case "keys":
                    case "values":
                        return ((FunctionValue)Object(obj, name)!).Call([], null!);
                    case "dictsort":
                    {
                        bool caseSensitive = (Arg(0, "case_sensitive") as BoolValue)?.V ?? false;
                        string by = (Arg(1, "by") as StringValue)?.V ?? "key";
                        bool reverse = (Arg(2, "reverse") as BoolValue)?.V ?? false;
                        var items = Items(obj).Items.ToList();
                        int index = by == "value" ? 1 : 0;
                        return new ArrayValue(StableSort(items, (a, b) =>
                        {
                            int r = Js.Compare(((ArrayValue)a).Items[index], ((ArrayValue)b).Items[index], caseSensitive);
                            return reverse ? -r : r;
                        }));
                    }
                    case "string":
                        return new StringValue(obj.ToString());
                }
                break;
            case BoolValue b:
                switch (name)
                {
                    case "bool":
                        return b;
                    case "string":
                        return new StringValue(b.V ? "true" : "false");
                }
                break;
        }
        throw Error($"Cannot apply filter \"{name}\" to type: {operand.TypeName}");
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
            case "list":
                return arr;
            case "first":
                return arr.Items.Count > 0 ? arr.Items[0] : UndefinedValue.Instance;
            case "last":
                return arr.Items.Count > 0 ? arr.Items[^1] : UndefinedValue.Instance;
            case "length":
            case "count":
                return new IntValue(arr.Items.Count);
            case "reverse":
                return new ArrayValue(Enumerable.Reverse(arr.Items).ToList());
            case "string":
                return new StringValue(JsonWriter.Write(arr, null, false, null, false, undefinedAsNull: false));
            case "unique":
            {
                var output = new List<Value>();
                foreach (var item in arr.Items)
                {
                    if (!output.Any(o => Js.StrictEquals(o, item))) output.Add(item);
                }
                return new ArrayValue(output);
            }
            case "sort":
            {
                bool reverse = (Arg(0, "reverse") as BoolValue)?.V ?? false;
                bool caseSensitive = (Arg(1, "case_sensitive") as BoolValue)?.V ?? false;
                Value attribute = Arg(2, "attribute") ?? NullValue.Instance;
                Value Key(Value item) => attribute switch
                {
                    StringValue s => AttributePath(item, s.V),
                    IntValue i => AttributePath(item, i.V.ToString(CultureInfo.InvariantCulture)),
                    _ => item,
                };
                return new ArrayValue(StableSort(arr.Items.ToList(), (a, b) =>
                {
                    int r = Js.Compare(Key(a), Key(b), caseSensitive);
                    return reverse ? -r : r;
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
            case "select":
            case "reject":
            {
                // Not in @huggingface/jinja; Jinja's semantics: keep items passing the named test (or truthy ones).
                string? testName = args.Count > 0 ? (args[0] as StringValue)?.V ?? throw Error($"the test of `{name}` must be a string") : null;
                Value testArg = args.Count > 1 ? args[1] : UndefinedValue.Instance;
                if (testName is not null && !TemplateParser.Tests.Contains(testName)) throw Error($"test '{testName}' is not supported");
                return new ArrayValue(arr.Items.Where(item =>
                {
                    bool result = testName is null ? item.Truthy : Test(testName, item, testArg);
                    return name == "select" ? result : !result;
                }).ToList());
            }
            case "map":
            {
                if (kwargs.GetValueOrDefault("attribute") is not StringValue attr)
                {
                    throw Error("`map` expressions without `attribute` set are not supported");
                }
                Value? fallback = kwargs.GetValueOrDefault("default");
                return new ArrayValue(arr.Items.Select(item =>
                {
                    if (item is not (ObjectValue or NamespaceValue)) throw Error("items in map must be an object");
                    Value v = AttributePath(item, attr.V);
                    return v is UndefinedValue ? fallback ?? UndefinedValue.Instance : v;
                }).ToList());
            }
        }
        throw Error($"Cannot apply filter \"{name}\" to type: {arr.TypeName}");
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
