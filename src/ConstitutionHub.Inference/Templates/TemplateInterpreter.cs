using System.Globalization;
using System.Text;

namespace ConstitutionHub.Inference.Templates;

/// <summary>
/// Evaluates a parsed template with the semantics of @huggingface/jinja (the renderer of transformers.js), which
/// differ from Python Jinja in visible ways this interpreter keeps: booleans print as "true"/"false", none prints
/// nothing, undefined attributes are undefined rather than errors, macros see the caller's scope.
/// </summary>
internal sealed class TemplateInterpreter(Func<int, (int Line, int Column)> locate)
{
    private sealed class BreakSignal : Exception;
    private sealed class ContinueSignal : Exception;

    private TemplateException Fail(string message, Node node)
    {
        var (line, col) = locate(node.Offset);
        return new TemplateException(message, line, col);
    }

    public static void SetupGlobals(Environment env, Func<DateTime> clock)
    {
        env.Set("false", BoolValue.False);
        env.Set("true", BoolValue.True);
        env.Set("none", NullValue.Instance);
        env.Set("False", BoolValue.False);
        env.Set("True", BoolValue.True);
        env.Set("None", NullValue.Instance);
        env.Set("namespace", new FunctionValue((args, _) => Namespace(args)));
        env.Set("raise_exception", new FunctionValue((args, _) =>
            throw new TemplateException(args.Count > 0 ? RawString(args[0]) : "undefined", 0, 0, raisedByTemplate: true)));
        env.Set("range", new FunctionValue((args, _) => Range(args)));
        env.Set("strftime_now", new FunctionValue((args, _) =>
            new StringValue(Strftime(clock(), args.Count > 0 && args[0] is StringValue f ? f.V : ""))));
    }

    /// <summary>String(x) of the JavaScript value behind a runtime value, as a host function receives it.</summary>
    private static string RawString(Value v) => v switch
    {
        StringValue s => s.V,
        NullValue => "null",
        UndefinedValue => "undefined",
        _ => v.JsString(),
    };

    public string Render(List<Node> body, Environment env) => EvaluateBlock(body, env);

    private string EvaluateBlock(List<Node> statements, Environment env)
    {
        var sb = new StringBuilder();
        foreach (var statement in statements)
        {
            Value v = Evaluate(statement, env);
            if (v is not (NullValue or UndefinedValue))
            {
                sb.Append(Print(v, statement));
            }
        }
        return sb.ToString();
    }

    /// <summary>How the output shows a value; a tuple inside a list, which toJSON refuses, fails with the position.</summary>
    private string Print(Value v, Node statement)
    {
        try
        {
            return v.ToString();
        }
        catch (TemplateRuntimeError e)
        {
            throw Fail(e.Message, statement);
        }
    }

    private Value Evaluate(Node? node, Environment env)
    {
        if (node is null) return UndefinedValue.Instance;
        try
        {
            return node switch
            {
                TextNode t => new StringValue(t.Value),
                CommentNode => NullValue.Instance,
                OutputNode o => Evaluate(o.Expression, env),
                SetNode s => EvaluateSet(s, env),
                IfNode i => new StringValue(EvaluateBlock(Evaluate(i.Test, env).Truthy ? i.Body : i.Alternate, env)),
                ForNode f => EvaluateFor(f, env),
                MacroNode m => EvaluateMacro(m, env),
                CallBlockNode c => EvaluateCallBlock(c, env),
                FilterBlockNode f => ApplyFilter(new StringValue(EvaluateBlock(f.Body, env)), f.Filter, env),
                BreakNode => throw new BreakSignal(),
                ContinueNode => throw new ContinueSignal(),
                IntegerLiteral i => IntValue.FromJs(i.Value),
                FloatLiteral f => new FloatValue(f.Value),
                StringLiteral s => new StringValue(s.Value),
                ArrayLiteral a => new ArrayValue(a.Items.ConvertAll(x => Evaluate(x, env))),
                TupleLiteral t => new TupleValue(t.Items.ConvertAll(x => Evaluate(x, env))),
                ObjectLiteral o => EvaluateObject(o, env),
                Identifier id => env.Lookup(id.Name),
                CallNode c => EvaluateCall(c, env),
                MemberNode m => EvaluateMember(m, env),
                UnaryNode u => EvaluateUnary(u, env),
                BinaryNode b => EvaluateBinary(b, env),
                FilterNode f => ApplyFilter(Evaluate(f.Operand, env), f.Filter, env),
                TestNode t => EvaluateTest(t, env),
                SelectNode s => Evaluate(s.Test, env).Truthy ? Evaluate(s.Value, env) : UndefinedValue.Instance,
                TernaryNode t => Evaluate(t.Condition, env).Truthy ? Evaluate(t.WhenTrue, env) : Evaluate(t.WhenFalse, env),
                _ => throw Fail($"Unknown node type: {node.GetType().Name}", node),
            };
        }
        catch (Exception e) when (e is TemplateRuntimeError or InvalidOperationException or InvalidCastException
                                       or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw Fail(e.Message, node);
        }
    }

    /// <summary>A runtime error without a position yet; <see cref="Evaluate"/> attaches the innermost node's.</summary>
    private static TemplateRuntimeError Error(string message) => new(message);

    private Value EvaluateObject(ObjectLiteral o, Environment env)
    {
        var map = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
        foreach (var (k, v) in o.Entries)
        {
            if (Evaluate(k, env) is not StringValue key)
            {
                throw Error("Object keys must be strings");
            }
            map[key.V] = Evaluate(v, env);
        }
        return new ObjectValue(map);
    }

    private Value EvaluateSet(SetNode node, Environment env)
    {
        Value rhs = node.Value is not null ? Evaluate(node.Value, env) : new StringValue(EvaluateBlock(node.Body, env));
        switch (node.Target)
        {
            case Identifier id:
                env.Set(id.Name, rhs);
                break;
            case TupleLiteral tuple:
                if (rhs is not ArrayValue arr) throw Error($"Cannot unpack non-iterable type in set: {rhs.TypeName}");
                if (arr.Items.Count != tuple.Items.Count) throw Error($"Too {(tuple.Items.Count > arr.Items.Count ? "few" : "many")} items to unpack in set");
                for (int i = 0; i < tuple.Items.Count; i++)
                {
                    if (tuple.Items[i] is not Identifier name) throw Error("Cannot unpack to non-identifier in set");
                    env.Set(name.Name, arr.Items[i]);
                }
                break;
            case MemberNode member:
                if (Evaluate(member.Object, env) is not NamespaceValue ns) throw Error("cannot assign attribute on non-namespace object");
                if (member.Property is not Identifier prop) throw Error("Cannot assign to member with non-identifier property");
                ns.Entries[prop.Name] = rhs;
                break;
            default:
                throw Error("Invalid left-hand side of set");
        }
        return NullValue.Instance;
    }

    private Value EvaluateFor(ForNode node, Environment env)
    {
        var scope = new Environment(env);
        Node? test = null;
        Value iterable;
        if (node.Iterable is SelectNode select)
        {
            iterable = Evaluate(select.Value, scope);
            test = select.Test;
        }
        else
        {
            iterable = Evaluate(node.Iterable, scope);
        }
        List<Value> source = iterable switch
        {
            ArrayValue a => a.Items,
            ObjectValue o => o.Entries.Keys.Select(k => (Value)new StringValue(k)).ToList(),
            _ => throw Error($"Expected iterable or object type in for loop: got {iterable.TypeName}"),
        };
        var items = new List<Value>();
        foreach (var current in source)
        {
            if (test is not null)
            {
                var loopScope = new Environment(scope);
                Bind(node.LoopVar, current, loopScope);
                if (!Evaluate(test, loopScope).Truthy) continue;
            }
            items.Add(current);
        }
        var result = new StringBuilder();
        bool noIteration = true;
        for (int i = 0; i < items.Count; i++)
        {
            var loop = new OrderedDictionary<string, Value>(StringComparer.Ordinal)
            {
                ["index"] = new IntValue(i + 1),
                ["index0"] = new IntValue(i),
                ["revindex"] = new IntValue(items.Count - i),
                ["revindex0"] = new IntValue(items.Count - i - 1),
                ["first"] = BoolValue.Of(i == 0),
                ["last"] = BoolValue.Of(i == items.Count - 1),
                ["length"] = new IntValue(items.Count),
                ["previtem"] = i > 0 ? items[i - 1] : UndefinedValue.Instance,
                ["nextitem"] = i < items.Count - 1 ? items[i + 1] : UndefinedValue.Instance,
            };
            scope.Set("loop", new ObjectValue(loop));
            Bind(node.LoopVar, items[i], scope);
            try
            {
                result.Append(EvaluateBlock(node.Body, scope));
            }
            catch (ContinueSignal)
            {
                continue;
            }
            catch (BreakSignal)
            {
                break;
            }
            noIteration = false;
        }
        if (noIteration)
        {
            result.Append(EvaluateBlock(node.Else, scope));
        }
        return new StringValue(result.ToString());
    }

    private static void Bind(Node loopVar, Value current, Environment scope)
    {
        if (loopVar is Identifier id)
        {
            scope.Set(id.Name, current);
            return;
        }
        var tuple = (TupleLiteral)loopVar;
        if (current is not ArrayValue arr) throw Error($"Cannot unpack non-iterable type: {current.TypeName}");
        if (tuple.Items.Count != arr.Items.Count) throw Error($"Too {(tuple.Items.Count > arr.Items.Count ? "few" : "many")} items to unpack");
        for (int j = 0; j < tuple.Items.Count; j++)
        {
            if (tuple.Items[j] is not Identifier name) throw Error("Cannot unpack non-identifier type");
            scope.Set(name.Name, arr.Items[j]);
        }
    }

    private Value EvaluateMacro(MacroNode node, Environment env)
    {
        env.Set(node.Name, new FunctionValue((args, callScope) =>
        {
            var macroScope = new Environment(callScope);
            BindArguments(node.Parameters, args, macroScope);
            return new StringValue(EvaluateBlock(node.Body, macroScope));
        }));
        return NullValue.Instance;
    }

    private Value EvaluateCallBlock(CallBlockNode node, Environment env)
    {
        var parameters = node.CallerParameters ?? [];
        var caller = new FunctionValue((callerArgs, _) =>
        {
            var callEnv = new Environment(env);
            BindArguments(parameters, callerArgs, callEnv);
            return new StringValue(EvaluateBlock(node.Body, callEnv));
        });
        var (args, kwargs) = EvaluateArguments(node.Call.Args, env);
        args.Add(new KeywordArgumentsValue(kwargs));
        if (Evaluate(node.Call.Callee, env) is not FunctionValue fn) throw Error("Cannot call something that is not a function");
        var newEnv = new Environment(env);
        newEnv.Set("caller", caller);
        return fn.Call(args, newEnv);
    }

    private void BindArguments(List<Node> parameters, List<Value> args, Environment scope)
    {
        var positional = new List<Value>(args);
        var kwargs = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
        if (positional.Count > 0 && positional[^1] is KeywordArgumentsValue kw)
        {
            positional.RemoveAt(positional.Count - 1);
            foreach (var (k, v) in kw.Entries) kwargs[k] = v;
        }
        var pending = new List<(string, Node)>();
        for (int i = 0; i < parameters.Count; i++)
        {
            (string name, Node? defaultValue) = parameters[i] switch
            {
                Identifier id => (id.Name, (Node?)null),
                KeywordArgument ka => (ka.Key.Name, ka.Value),
                _ => throw Error("Invalid macro parameter"),
            };
            Value? value = i < positional.Count ? positional[i] : null;
            if (value is null && kwargs.Remove(name, out var fromKw))
            {
                value = fromKw;
            }
            if (value is null && defaultValue is not null)
            {
                pending.Add((name, defaultValue));
            }
            scope.Set(name, value ?? UndefinedValue.Instance);
        }
        scope.Set("kwargs", new ObjectValue(kwargs));
        scope.Set("varargs", new ArrayValue(positional.Skip(parameters.Count).ToList()));
        foreach (var (name, defaultValue) in pending)
        {
            scope.Set(name, Evaluate(defaultValue, scope));
        }
    }

    private (List<Value> Args, OrderedDictionary<string, Value> Kwargs) EvaluateArguments(List<Node> args, Environment env)
    {
        var positional = new List<Value>();
        var keyword = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
        foreach (var a in args)
        {
            if (a is SpreadArgument spread)
            {
                if (Evaluate(spread.Value, env) is not ArrayValue arr) throw Error("Cannot unpack a non-iterable value");
                positional.AddRange(arr.Items);
            }
            else if (a is not (KeywordArgument or KeywordSpreadArgument))
            {
                positional.Add(Evaluate(a, env));
            }
        }
        foreach (var a in args)
        {
            if (a is KeywordArgument ka)
            {
                if (!keyword.TryAdd(ka.Key.Name, Evaluate(ka.Value, env))) throw Error($"Got multiple values for keyword argument '{ka.Key.Name}'");
            }
            else if (a is KeywordSpreadArgument ks)
            {
                if (Evaluate(ks.Value, env) is not ObjectValue o) throw Error("Argument after ** must be a mapping");
                foreach (var (k, v) in o.Entries)
                {
                    if (!keyword.TryAdd(k, v)) throw Error($"Got multiple values for keyword argument '{k}'");
                }
            }
        }
        return (positional, keyword);
    }

    private Value EvaluateCall(CallNode node, Environment env)
    {
        var (args, kwargs) = EvaluateArguments(node.Args, env);
        if (kwargs.Count > 0) args.Add(new KeywordArgumentsValue(kwargs));
        Value fn = Evaluate(node.Callee, env);
        if (fn is not FunctionValue f)
        {
            string name = node.Callee is Identifier id ? $"'{id.Name}'" : "the expression";
            throw Error($"Cannot call {name}: it is {(fn is UndefinedValue ? "undefined" : $"a {fn.TypeName}")}, not a function");
        }
        return f.Call(args, env);
    }

    private Value EvaluateMember(MemberNode node, Environment env)
    {
        Value obj = Evaluate(node.Object, env);
        Value property;
        if (node.Computed)
        {
            if (node.Property is SliceNode slice) return EvaluateSlice(obj, slice, env);
            property = Evaluate(node.Property, env);
        }
        else
        {
            property = node.Property is IntegerLiteral il ? IntValue.FromJs(il.Value) : new StringValue(((Identifier)node.Property).Name);
        }
        Value? value;
        switch (obj)
        {
            case ObjectValue o:
                if (property is not StringValue key) throw Error($"Cannot access property with non-string: got {property.TypeName}");
                value = o.Entries.TryGetValue(key.V, out var v) ? v : Builtins.Object(o, key.V);
                break;
            case NamespaceValue ns:
                if (property is not StringValue nkey) throw Error($"Cannot access property with non-string: got {property.TypeName}");
                value = ns.Entries.TryGetValue(nkey.V, out var nv) ? nv : null;
                break;
            case ArrayValue arr:
                value = property switch
                {
                    IntValue i => At(arr.Items, i.V),
                    StringValue s => s.V == "length" ? new IntValue(arr.Items.Count) : null,
                    _ => throw Error($"Cannot access property with non-string/non-number: got {property.TypeName}"),
                };
                break;
            case StringValue str:
                value = property switch
                {
                    IntValue i => At(str.V, i.V),
                    StringValue s => Builtins.String(str, s.V),
                    _ => throw Error($"Cannot access property with non-string/non-number: got {property.TypeName}"),
                };
                break;
            default:
                if (property is not StringValue) throw Error($"Cannot access property with non-string: got {property.TypeName}");
                value = null;
                break;
        }
        return value ?? UndefinedValue.Instance;
    }

    private static Value? At(List<Value> items, long index)
    {
        long i = index < 0 ? items.Count + index : index;
        return i >= 0 && i < items.Count ? items[(int)i] : null;
    }

    private static Value? At(string s, long index)
    {
        long i = index < 0 ? s.Length + index : index;
        return i >= 0 && i < s.Length ? new StringValue(s[(int)i].ToString()) : null;
    }

    private Value EvaluateSlice(Value obj, SliceNode slice, Environment env)
    {
        long? Part(Node? n)
        {
            Value v = Evaluate(n, env);
            return v switch
            {
                IntValue i => i.V,
                UndefinedValue => null,
                _ => throw Error("Slice indices must be integers or undefined"),
            };
        }
        long? start = Part(slice.Start), stop = Part(slice.Stop), step = Part(slice.Step);
        switch (obj)
        {
            case ArrayValue arr:
                return new ArrayValue(Slice(arr.Items, start, stop, step ?? 1));
            case StringValue s:
            {
                // Array.from(string): slices count code points.
                var cps = new List<string>();
                for (int i = 0; i < s.V.Length; i += char.IsSurrogatePair(s.V, i) ? 2 : 1)
                {
                    cps.Add(char.IsSurrogatePair(s.V, i) ? s.V.Substring(i, 2) : s.V[i].ToString());
                }
                return new StringValue(string.Concat(Slice(cps, start, stop, step ?? 1)));
            }
            default:
                throw Error("Slice object must be an array or string");
        }
    }

    internal static List<T> Slice<T>(List<T> array, long? start, long? stop, long step)
    {
        if (step == 0) throw Error("slice step cannot be zero");
        int n = array.Count;
        long s, e;
        if (step > 0)
        {
            s = start ?? 0;
            s = s < 0 ? Math.Max(n + s, 0) : Math.Min(s, n);
            e = stop ?? n;
            e = e < 0 ? Math.Max(n + e, 0) : Math.Min(e, n);
        }
        else
        {
            s = start ?? n - 1;
            s = s < 0 ? Math.Max(n + s, -1) : Math.Min(s, n - 1);
            e = stop ?? -1;
            e = e < -1 ? Math.Max(n + e, -1) : Math.Min(e, n - 1);
        }
        var result = new List<T>();
        int direction = Math.Sign(step);
        for (long i = s; direction * i < direction * e; i += step)
        {
            result.Add(array[(int)i]);
        }
        return result;
    }

    private Value EvaluateUnary(UnaryNode node, Environment env)
    {
        Value arg = Evaluate(node.Argument, env);
        switch (node.Operator)
        {
            case "not":
                return BoolValue.Of(!arg.Truthy);
            case "-":
            case "+":
            {
                int sign = node.Operator == "-" ? -1 : 1;
                return arg switch
                {
                    IntValue i => new IntValue(sign * i.V),
                    FloatValue f => new FloatValue(sign * f.V),
                    BoolValue b => new IntValue(sign * (b.V ? 1 : 0)),
                    _ => throw Error($"Unknown operator \"{node.Operator}\" for {arg.TypeName}"),
                };
            }
            default:
                throw Error($"Unknown operator: {node.Operator}");
        }
    }

    private Value EvaluateBinary(BinaryNode node, Environment env)
    {
        Value left = Evaluate(node.Left, env);
        if (node.Operator == "and") return left.Truthy ? Evaluate(node.Right, env) : left;
        if (node.Operator == "or") return left.Truthy ? left : Evaluate(node.Right, env);
        Value right = Evaluate(node.Right, env);
        string op = node.Operator;
        if (op == "==") return BoolValue.Of(Js.LooseEquals(left, right));
        if (op == "!=") return BoolValue.Of(!Js.LooseEquals(left, right));
        if (left is UndefinedValue || right is UndefinedValue)
        {
            if (right is UndefinedValue && op is "in" or "not in") return BoolValue.Of(op == "not in");
            throw Error($"Cannot perform operation {op} on undefined values");
        }
        if (left is NullValue || right is NullValue) throw Error("Cannot perform operation on null values");
        if (op == "~") return new StringValue(left.JsString() + right.JsString());
        if (op == "**" && Js.IsNumericLike(left) && Js.IsNumericLike(right))
        {
            double a = Js.Number(left), b = Js.Number(right);
            if (a == 0 && b < 0) throw Error("0.0 cannot be raised to a negative power");
            double r = Math.Pow(a, b);
            if (!double.IsFinite(r)) throw Error("Exponentiation result is not a finite real number");
            bool isFloat = left is FloatValue || right is FloatValue || b < 0;
            return isFloat ? new FloatValue(r) : IntValue.FromJs(r);
        }
        if (left is IntValue or FloatValue && right is IntValue or FloatValue)
        {
            // JavaScript computes in doubles; an integer result stays an integer value, exact up to 2^53.
            double a = Js.Number(left), b = Js.Number(right);
            bool isFloat = left is FloatValue || right is FloatValue;
            Value Number(double r) => isFloat ? new FloatValue(r) : IntValue.FromJs(r);
            switch (op)
            {
                case "+":
                    return Number(a + b);
                case "-":
                    return Number(a - b);
                case "*":
                    return Number(a * b);
                case "/":
                    return new FloatValue(a / b);
                case "//":
                    return Number(Math.Floor(a / b));
                case "%":
                    return Number(a % b);
                case "<": return BoolValue.Of(a < b);
                case ">": return BoolValue.Of(a > b);
                case ">=": return BoolValue.Of(a >= b);
                case "<=": return BoolValue.Of(a <= b);
            }
        }
        else if (left is ArrayValue la && right is ArrayValue ra)
        {
            if (op == "+") return new ArrayValue([.. la.Items, .. ra.Items]);
        }
        else if (right is ArrayValue rarr)
        {
            bool member = rarr.Items.Any(x => Js.StrictEquals(x, left));
            if (op == "in") return BoolValue.Of(member);
            if (op == "not in") return BoolValue.Of(!member);
        }
        if ((left is StringValue || right is StringValue) && op == "+")
        {
            return new StringValue(left.JsString() + right.JsString());
        }
        if (left is StringValue ls && right is StringValue rs)
        {
            if (op == "in") return BoolValue.Of(rs.V.Contains(ls.V, StringComparison.Ordinal));
            if (op == "not in") return BoolValue.Of(!rs.V.Contains(ls.V, StringComparison.Ordinal));
        }
        if (left is StringValue lk && right is ObjectValue ro)
        {
            if (op == "in") return BoolValue.Of(ro.Entries.ContainsKey(lk.V));
            if (op == "not in") return BoolValue.Of(!ro.Entries.ContainsKey(lk.V));
        }
        throw Error($"Unknown operator \"{op}\" between {left.TypeName} and {right.TypeName}");
    }

    private Value EvaluateTest(TestNode node, Environment env)
    {
        Value operand = Evaluate(node.Operand, env);
        var args = node.Args.ConvertAll(a => Evaluate(a, env));
        bool result = Builtins.Test(node.Test, operand, args.Count > 0 ? args[0] : UndefinedValue.Instance);
        return BoolValue.Of(node.Negate ? !result : result);
    }

    private Value ApplyFilter(Value operand, Node filterNode, Environment env)
    {
        if (filterNode is Identifier id)
        {
            return Builtins.Filter(id.Name, operand);
        }
        var call = (CallNode)filterNode;
        string name = ((Identifier)call.Callee).Name;
        if (name is "selectattr" or "rejectattr")
        {
            if (call.Args.Any(a => a is not StringLiteral)) throw Error($"arguments of `{name}` must be strings");
        }
        var (args, kwargs) = EvaluateArguments(call.Args, env);
        return Builtins.Filter(name, operand, args, kwargs);
    }

    private static Value Namespace(List<Value> args)
    {
        var positional = new List<Value>(args);
        KeywordArgumentsValue? kwargs = null;
        if (positional.Count > 0 && positional[^1] is KeywordArgumentsValue kw)
        {
            kwargs = kw;
            positional.RemoveAt(positional.Count - 1);
        }
        if (positional.Count > 1) throw Error($"namespace expected at most 1 argument, got {positional.Count}");
        var entries = new OrderedDictionary<string, Value>(StringComparer.Ordinal);
        if (positional.Count == 1)
        {
            if (positional[0] is ObjectValue o)
            {
                foreach (var (k, v) in o.Entries) entries[k] = v;
            }
            else
            {
                throw Error($"'{positional[0].TypeName}' object is not iterable");
            }
        }
        if (kwargs is not null)
        {
            foreach (var (k, v) in kwargs.Entries) entries[k] = v;
        }
        return new NamespaceValue(entries);
    }

    private static Value Range(List<Value> args)
    {
        long Arg(int i) => args[i] is IntValue iv ? iv.V : throw Error("range() arguments must be integers");
        if (args.Count == 0) throw Error("range() requires at least one argument");
        long start = 0, stop, step = 1;
        if (args.Count == 1) stop = Arg(0);
        else
        {
            start = Arg(0);
            stop = Arg(1);
            if (args.Count > 2) step = Arg(2);
        }
        if (step == 0) throw Error("range() step must not be zero");
        // A guard against runaway templates; no chat template comes near it.
        if ((stop - start) / step > 1_000_000) throw Error("range() is limited to 1,000,000 items");
        var items = new List<Value>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            items.Add(new IntValue(i));
        }
        return new ArrayValue(items);
    }

    /// <summary>The strftime subset of @huggingface/jinja: %Y %m %d %b %B %H %M %%.</summary>
    internal static string Strftime(DateTime date, string format)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                sb.Append(format[i]);
                continue;
            }
            char f = format[i + 1];
            string? part = f switch
            {
                'Y' => date.Year.ToString(CultureInfo.InvariantCulture),
                'm' => date.Month.ToString("00", CultureInfo.InvariantCulture),
                'd' => date.Day.ToString("00", CultureInfo.InvariantCulture),
                'b' => CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(date.Month),
                'B' => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(date.Month),
                'H' => date.Hour.ToString("00", CultureInfo.InvariantCulture),
                'M' => date.Minute.ToString("00", CultureInfo.InvariantCulture),
                '%' => "%",
                _ => null,
            };
            if (part is null)
            {
                sb.Append('%');
                continue;
            }
            sb.Append(part);
            i++;
        }
        return sb.ToString();
    }
}
