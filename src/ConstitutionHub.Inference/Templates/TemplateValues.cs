using System.Globalization;
using System.Text;

namespace ConstitutionHub.Inference.Templates;

/// <summary>Runtime values, mirroring @huggingface/jinja's value types (JavaScript semantics included).</summary>
internal abstract class Value
{
    public abstract string TypeName { get; }

    public virtual bool Truthy => true;

    /// <summary>How <c>{{ value }}</c> prints it.</summary>
    public abstract override string ToString();

    /// <summary>JavaScript's String(value.value), used by <c>~</c> and <c>+</c> on strings.</summary>
    public virtual string JsString() => ToString();

    /// <summary>
    /// The value object's own toString(), which JavaScript calls for each element when an array becomes a string
    /// (<c>'x' + ['a', 'b']</c> is <c>xa,b</c>). It differs from printing only for none and undefined.
    /// </summary>
    public virtual string ElementString() => ToString();
}

/// <summary>
/// An integer value. @huggingface/jinja holds it in a JavaScript number, so arithmetic beyond 2^53 loses precision
/// and beyond a long still prints (1e+21); such results keep their double in <see cref="Number"/>.
/// </summary>
internal sealed class IntValue : Value
{
    private const double MaxSafe = 9007199254740992; // 2^53
    private readonly double? large;

    public IntValue(long value) => V = value;

    private IntValue(double large)
    {
        this.large = large;
        V = double.IsNaN(large) ? 0 : (long)Math.Clamp(large, long.MinValue, long.MaxValue);
    }

    /// <summary>The integer value of a JavaScript arithmetic result.</summary>
    public static IntValue FromJs(double r) => Math.Abs(r) <= MaxSafe ? new IntValue((long)r) : new IntValue(r);

    public long V { get; }
    public double Number => this.large ?? V;
    public override string TypeName => "IntegerValue";
    public override bool Truthy => Number != 0 && !double.IsNaN(Number);
    public override string ToString() => this.large is double d ? JsNumber.Format(d) : V.ToString(CultureInfo.InvariantCulture);
}

internal sealed class FloatValue(double value) : Value
{
    public double V { get; } = value;
    public override string TypeName => "FloatValue";
    public override bool Truthy => V != 0 && !double.IsNaN(V);

    /// <summary>Whole floats print with ".0" (Python style); others as JavaScript prints numbers.</summary>
    public override string ToString()
    {
        if (V == 0 && double.IsNegative(V)) return "-0.0";
        return V % 1 == 0 && !double.IsInfinity(V) ? JsNumber.ToFixed1(V) : JsNumber.Format(V);
    }

    public override string JsString() => JsNumber.Format(V);
}

internal sealed class StringValue(string value) : Value
{
    public string V { get; } = value;
    public override string TypeName => "StringValue";
    public override bool Truthy => V.Length > 0;
    public override string ToString() => V;
}

internal sealed class BoolValue : Value
{
    public static readonly BoolValue True = new(true);
    public static readonly BoolValue False = new(false);

    private BoolValue(bool v) => V = v;

    public static BoolValue Of(bool v) => v ? True : False;

    public bool V { get; }
    public override string TypeName => "BooleanValue";
    public override bool Truthy => V;
    public override string ToString() => V ? "true" : "false";
}

internal sealed class NullValue : Value
{
    public static readonly NullValue Instance = new();
    public override string TypeName => "NullValue";
    public override bool Truthy => false;
    public override string ToString() => "null";

    /// <summary>@huggingface/jinja's none holds JavaScript undefined, so String() of it reads "undefined".</summary>
    public override string ElementString() => "undefined";
}

internal sealed class UndefinedValue : Value
{
    public static readonly UndefinedValue Instance = new();
    public override string TypeName => "UndefinedValue";
    public override bool Truthy => false;
    public override string ToString() => "undefined";
    public override string ElementString() => "undefined";
}

internal class ArrayValue(List<Value> items) : Value
{
    public List<Value> Items { get; } = items;
    public override string TypeName => "ArrayValue";
    public override bool Truthy => Items.Count > 0;
    public override string ToString() => JsonWriter.Write(this, null, false, null, false, undefinedAsNull: false);

    /// <summary>Array.prototype.toString: the elements' own toString() joined with commas.</summary>
    public override string JsString() => string.Join(",", Items.Select(i => i.ElementString()));
}

internal sealed class TupleValue(List<Value> items) : ArrayValue(items)
{
    public override string TypeName => "TupleValue";
}

/// <summary>A mapping with insertion order, as JavaScript's Map.</summary>
internal class ObjectValue(OrderedDictionary<string, Value> entries) : Value
{
    public OrderedDictionary<string, Value> Entries { get; } = entries;
    public override string TypeName => "ObjectValue";
    public override bool Truthy => Entries.Count > 0;
    public override string ToString() => JsonWriter.Write(this, null, false, null, false, undefinedAsNull: false);
    public override string JsString() => "[object Map]";
}

internal sealed class KeywordArgumentsValue(OrderedDictionary<string, Value> entries) : ObjectValue(entries)
{
    public override string TypeName => "KeywordArgumentsValue";
}

internal sealed class NamespaceValue(OrderedDictionary<string, Value> entries) : Value
{
    public OrderedDictionary<string, Value> Entries { get; } = entries;
    public override string TypeName => "NamespaceValue";
    public override string ToString() => JsonWriter.Write(this, null, false, null, false, undefinedAsNull: false);
    public override string JsString() => "[object Map]";
}

internal sealed class FunctionValue(Func<List<Value>, Environment, Value> call) : Value
{
    public Func<List<Value>, Environment, Value> Call { get; } = call;
    public override string TypeName => "FunctionValue";
    public override string ToString() => "[function]";
}

/// <summary>JavaScript number formatting (Number.prototype.toString / toFixed(1)).</summary>
internal static class JsNumber
{
    /// <summary>Number::toString of ECMAScript: the shortest round-trip digits, in positional or exponent form.</summary>
    public static string Format(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "Infinity";
        if (double.IsNegativeInfinity(v)) return "-Infinity";
        if (v == 0) return "0";
        // .NET's "R" is the shortest round-trip form ("123.45", "1E-07", "1.2345678901234568E+29"); take its digits
        // and place the point as ECMAScript does: value = 0.digits x 10^n.
        string r = Math.Abs(v).ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E');
        int exp = e < 0 ? 0 : int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        string mantissa = e < 0 ? r : r[..e];
        int dot = mantissa.IndexOf('.');
        string intPart = dot < 0 ? mantissa : mantissa[..dot];
        string all = intPart + (dot < 0 ? "" : mantissa[(dot + 1)..]);
        string digits = all.TrimStart('0');
        int n = intPart.Length - (all.Length - digits.Length) + exp;
        digits = digits.TrimEnd('0');
        int k = digits.Length;
        string body;
        if (k <= n && n <= 21) body = digits + new string('0', n - k);
        else if (0 < n && n <= 21) body = digits[..n] + "." + digits[n..];
        else if (-6 < n && n <= 0) body = "0." + new string('0', -n) + digits;
        else
        {
            int e10 = n - 1;
            body = (k == 1 ? digits : digits[..1] + "." + digits[1..]) + "e" + (e10 >= 0 ? "+" : "-") + Math.Abs(e10).ToString(CultureInfo.InvariantCulture);
        }
        return v < 0 ? "-" + body : body;
    }

    public static string ToFixed1(double v) => abs(v) >= 1e21 ? Format(v) : v.ToString("F1", CultureInfo.InvariantCulture);

    private static double abs(double v) => Math.Abs(v);
}

/// <summary>The tojson filter of @huggingface/jinja: JSON.stringify for scalars, Python-like separators.</summary>
internal static class JsonWriter
{
    public static string Write(Value input, int? indent, bool ensureAscii, (string Item, string Key)? separators, bool sortKeys, bool undefinedAsNull = true, int depth = 0)
    {
        string itemSep, keySep;
        if (separators is (string i, string k))
        {
            itemSep = i;
            keySep = k;
        }
        else if (indent is > 0)
        {
            itemSep = ",";
            keySep = ": ";
        }
        else
        {
            itemSep = ", ";
            keySep = ": ";
        }
        switch (input)
        {
            case NullValue:
                return "null";
            case UndefinedValue:
                return undefinedAsNull ? "null" : "undefined";
            case IntValue iv:
                return double.IsFinite(iv.Number) ? iv.ToString() : "null";
            case FloatValue fv:
                return double.IsFinite(fv.V) ? JsNumber.Format(fv.V) : "null";
            case BoolValue b:
                return b.V ? "true" : "false";
            case StringValue s:
            {
                string result = Quote(s.V);
                return ensureAscii ? AsciiSafe(result) : result;
            }
            case TupleValue:
                throw new TemplateRuntimeError("Cannot convert to JSON: TupleValue");
            case ArrayValue arr:
            {
                string pad = indent is > 0 ? new string(' ', indent.Value) : "";
                string basePadding = "\n" + string.Concat(Enumerable.Repeat(pad, depth));
                string childPadding = basePadding + pad;
                var core = arr.Items.Select(x => Write(x, indent, ensureAscii, separators, sortKeys, undefinedAsNull, depth + 1)).ToList();
                return indent is > 0 && core.Count > 0
                    ? $"[{childPadding}{string.Join(itemSep + childPadding, core)}{basePadding}]"
                    : $"[{string.Join(itemSep, core)}]";
            }
            case ObjectValue or NamespaceValue:
            {
                var entries = (input is ObjectValue o ? o.Entries : ((NamespaceValue)input).Entries).ToList();
                if (sortKeys)
                {
                    // localeCompare; ordinal is the closest stable choice without ICU.
                    entries.Sort((a, b) => string.Compare(a.Key, b.Key, StringComparison.InvariantCulture));
                }
                string pad = indent is > 0 ? new string(' ', indent.Value) : "";
                string basePadding = "\n" + string.Concat(Enumerable.Repeat(pad, depth));
                string childPadding = basePadding + pad;
                var core = entries.Select(e =>
                {
                    string key = Quote(e.Key);
                    if (ensureAscii) key = AsciiSafe(key);
                    string v = $"{key}{keySep}{Write(e.Value, indent, ensureAscii, separators, sortKeys, undefinedAsNull, depth + 1)}";
                    return indent is > 0 ? childPadding + v : v;
                }).ToList();
                return indent is > 0 && core.Count > 0
                    ? $"{{{string.Join(itemSep, core)}{basePadding}}}"
                    : $"{{{string.Join(itemSep, core)}}}";
            }
            default:
                throw new TemplateRuntimeError($"Cannot convert to JSON: {input.TypeName}");
        }
    }

    /// <summary>JSON.stringify of a string: escapes quotes, backslashes, control characters and lone surrogates only.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    private static string AsciiSafe(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c >= 0x7F) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }
}

/// <summary>A variable scope; lookups fall back to the parent, unknown names are undefined.</summary>
internal sealed class Environment(Environment? parent)
{
    private readonly Dictionary<string, Value> variables = new(StringComparer.Ordinal);

    public Environment? Parent => parent;

    public void Set(string name, Value value) => variables[name] = value;

    public Value Lookup(string name)
    {
        for (var env = this; env is not null; env = env.Parent)
        {
            if (env.variables.TryGetValue(name, out var v)) return v;
        }
        return UndefinedValue.Instance;
    }
}
