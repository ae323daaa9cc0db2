namespace ConstitutionHub.Inference.Templates;

/// <summary>
/// Recursive-descent parser with the grammar and precedence of @huggingface/jinja (so that, for instance, filters
/// bind tighter than unary minus and tests sit between filters and multiplication). Statements this interpreter does
/// not implement are rejected here, with their position; unknown filters and tests fail when they are evaluated, as in
/// @huggingface/jinja, so a template that only uses one in a branch it does not take still renders.
/// </summary>
internal sealed class TemplateParser
{
    private readonly List<TemplateToken> tokens;
    private readonly Func<int, (int Line, int Column)> locate;
    private int current;

    private TemplateParser(List<TemplateToken> tokens, Func<int, (int, int)> locate)
    {
        this.tokens = tokens;
        this.locate = locate;
    }

    public static List<Node> Parse(string source, out Func<int, (int Line, int Column)> locate)
    {
        var tokens = TemplateLexer.Tokenize(source, out locate);
        var parser = new TemplateParser(tokens, locate);
        var body = new List<Node>();
        while (parser.current < tokens.Count)
        {
            body.Add(parser.ParseAny());
        }
        return body;
    }

    private int EndOffset => this.tokens.Count > 0 ? this.tokens[^1].Offset + this.tokens[^1].Value.Length : 0;

    private TemplateException Error(string message, int? offset = null)
    {
        int at = offset ?? (current < this.tokens.Count ? this.tokens[current].Offset : EndOffset);
        var (line, col) = this.locate(at);
        return new TemplateException(message, line, col);
    }

    private TemplateToken Peek(int ahead = 0) => current + ahead < this.tokens.Count ? this.tokens[current + ahead] : throw Error("Unexpected end of template");

    private bool Is(TokenKind kind, int ahead = 0) => current + ahead < this.tokens.Count && this.tokens[current + ahead].Kind == kind;

    private bool IsIdentifier(string name, int ahead = 0) => Is(TokenKind.Identifier, ahead) && this.tokens[current + ahead].Value == name;

    private bool IsStatement(params string[] names) =>
        Is(TokenKind.OpenStatement) && Is(TokenKind.Identifier, 1) && names.Contains(this.tokens[current + 1].Value);

    private TemplateToken Expect(TokenKind kind, string message)
    {
        if (current >= this.tokens.Count)
        {
            throw Error($"{message}, but the template ended");
        }
        var token = this.tokens[current];
        if (token.Kind != kind)
        {
            throw Error($"{message}, got {Describe(token)}");
        }
        current++;
        return token;
    }

    private static string Describe(TemplateToken t) => t.Kind switch
    {
        TokenKind.Text => "text",
        TokenKind.Identifier => $"'{t.Value}'",
        _ => $"'{t.Value}'",
    };

    private void ExpectIdentifier(string name)
    {
        if (!IsIdentifier(name))
        {
            throw Error($"Expected '{name}'");
        }
        current++;
    }

    private Node ParseAny()
    {
        var token = Peek();
        switch (token.Kind)
        {
            case TokenKind.Comment:
                current++;
                return new CommentNode(token.Offset);
            case TokenKind.Text:
                current++;
                return new TextNode(token.Value, token.Offset);
            case TokenKind.OpenStatement:
                return ParseStatement();
            case TokenKind.OpenExpression:
            {
                current++;
                var expr = ParseExpression();
                Expect(TokenKind.CloseExpression, "Expected '}}'");
                return new OutputNode(expr, token.Offset);
            }
            default:
                throw Error($"Unexpected {Describe(token)}");
        }
    }

    private List<Node> ParseUntil(params string[] endNames)
    {
        var body = new List<Node>();
        while (!IsStatement(endNames))
        {
            if (current >= this.tokens.Count)
            {
                throw Error($"Missing {{% {endNames[^1]} %}}");
            }
            body.Add(ParseAny());
        }
        return body;
    }

    private void ExpectEnd(string name)
    {
        Expect(TokenKind.OpenStatement, $"Expected '{{% {name} %}}'");
        ExpectIdentifier(name);
        Expect(TokenKind.CloseStatement, "Expected '%}'");
    }

    private Node ParseStatement()
    {
        var open = Expect(TokenKind.OpenStatement, "Expected '{%'");
        if (!Is(TokenKind.Identifier))
        {
            throw Error("Expected a statement name after '{%'");
        }
        var nameToken = Peek();
        string name = nameToken.Value;
        current++;
        switch (name)
        {
            case "set":
                return ParseSet(open.Offset);
            case "if":
            {
                var node = ParseIf(open.Offset);
                ExpectEnd("endif");
                return node;
            }
            case "for":
            {
                var node = ParseFor(open.Offset);
                ExpectEnd("endfor");
                return node;
            }
            case "macro":
            {
                var nameNode = ParsePrimary();
                if (nameNode is not Identifier id)
                {
                    throw Error("Expected a macro name", nameNode.Offset);
                }
                var parameters = ParseArgs(parameters: true);
                Expect(TokenKind.CloseStatement, "Expected '%}'");
                var body = ParseUntil("endmacro");
                ExpectEnd("endmacro");
                return new MacroNode(id.Name, parameters, body, open.Offset);
            }
            case "call":
            {
                List<Node>? callerParams = Is(TokenKind.OpenParen) ? ParseArgs(parameters: true) : null;
                var callee = ParsePrimary();
                if (callee is not Identifier)
                {
                    throw Error("Expected a macro name after 'call'", callee.Offset);
                }
                var args = ParseArgs(parameters: false);
                Expect(TokenKind.CloseStatement, "Expected '%}'");
                var body = ParseUntil("endcall");
                ExpectEnd("endcall");
                return new CallBlockNode(new CallNode(callee, args, callee.Offset), callerParams, body, open.Offset);
            }
            case "break":
                Expect(TokenKind.CloseStatement, "Expected '%}'");
                return new BreakNode(open.Offset);
            case "continue":
                Expect(TokenKind.CloseStatement, "Expected '%}'");
                return new ContinueNode(open.Offset);
            case "filter":
            {
                var filter = ParsePrimary();
                if (filter is Identifier && Is(TokenKind.OpenParen))
                {
                    filter = ParseCall(filter);
                }
                Expect(TokenKind.CloseStatement, "Expected '%}'");
                var body = ParseUntil("endfilter");
                ExpectEnd("endfilter");
                return new FilterBlockNode(filter, body, open.Offset);
            }
            default:
                throw Error($"statement '{name}' is not supported", nameToken.Offset);
        }
    }

    private Node ParseSet(int offset)
    {
        var target = ParseExpressionSequence();
        Node? value = null;
        var body = new List<Node>();
        if (Is(TokenKind.Equals))
        {
            current++;
            value = ParseExpressionSequence();
        }
        else
        {
            Expect(TokenKind.CloseStatement, "Expected '=' or '%}' in set");
            body = ParseUntil("endset");
            Expect(TokenKind.OpenStatement, "Expected '{% endset %}'");
            ExpectIdentifier("endset");
        }
        Expect(TokenKind.CloseStatement, "Expected '%}'");
        return new SetNode(target, value, body, offset);
    }

    private IfNode ParseIf(int offset)
    {
        var test = ParseExpression();
        Expect(TokenKind.CloseStatement, "Expected '%}'");
        var body = ParseUntil("elif", "else", "endif");
        var alternate = new List<Node>();
        if (IsStatement("elif"))
        {
            int at = Peek().Offset;
            current += 2;
            alternate.Add(ParseIf(at));
        }
        else if (IsStatement("else"))
        {
            current += 2;
            Expect(TokenKind.CloseStatement, "Expected '%}'");
            alternate = ParseUntil("endif");
        }
        return new IfNode(test, body, alternate, offset);
    }

    private ForNode ParseFor(int offset)
    {
        var loopVar = ParseExpressionSequence(primary: true);
        if (loopVar is not (Identifier or TupleLiteral))
        {
            throw Error("Expected a loop variable", loopVar.Offset);
        }
        if (!IsIdentifier("in"))
        {
            throw Error("Expected 'in' after the loop variable");
        }
        current++;
        var iterable = ParseExpression();
        Expect(TokenKind.CloseStatement, "Expected '%}'");
        var body = ParseUntil("endfor", "else");
        var alternative = new List<Node>();
        if (IsStatement("else"))
        {
            current += 2;
            Expect(TokenKind.CloseStatement, "Expected '%}'");
            alternative = ParseUntil("endfor");
        }
        return new ForNode(loopVar, iterable, body, alternative, offset);
    }

    private Node ParseExpressionSequence(bool primary = false)
    {
        int offset = current < this.tokens.Count ? this.tokens[current].Offset : EndOffset;
        var first = primary ? ParsePrimary() : ParseExpression();
        if (!Is(TokenKind.Comma))
        {
            return first;
        }
        var items = new List<Node> { first };
        while (Is(TokenKind.Comma))
        {
            current++;
            items.Add(primary ? ParsePrimary() : ParseExpression());
        }
        return new TupleLiteral(items, offset);
    }

    private Node ParseExpression() => ParseIfExpression();

    private Node ParseIfExpression()
    {
        var a = ParseOr();
        if (IsIdentifier("if"))
        {
            int offset = Peek().Offset;
            current++;
            var test = ParseOr();
            if (IsIdentifier("else"))
            {
                current++;
                var whenFalse = ParseIfExpression();
                return new TernaryNode(test, a, whenFalse, offset);
            }
            return new SelectNode(a, test, offset);
        }
        return a;
    }

    private Node ParseOr()
    {
        var left = ParseAnd();
        while (IsIdentifier("or"))
        {
            int offset = Peek().Offset;
            current++;
            left = new BinaryNode("or", left, ParseAnd(), offset);
        }
        return left;
    }

    private Node ParseAnd()
    {
        var left = ParseNot();
        while (IsIdentifier("and"))
        {
            int offset = Peek().Offset;
            current++;
            left = new BinaryNode("and", left, ParseNot(), offset);
        }
        return left;
    }

    private Node ParseNot()
    {
        if (IsIdentifier("not"))
        {
            int offset = Peek().Offset;
            current++;
            return new UnaryNode("not", ParseNot(), offset);
        }
        return ParseComparison();
    }

    private Node ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            string op;
            int offset = current < this.tokens.Count ? this.tokens[current].Offset : EndOffset;
            if (IsIdentifier("not") && IsIdentifier("in", 1))
            {
                op = "not in";
                current += 2;
            }
            else if (IsIdentifier("in"))
            {
                op = "in";
                current++;
            }
            else if (Is(TokenKind.ComparisonBinaryOperator))
            {
                op = Peek().Value;
                current++;
            }
            else
            {
                break;
            }
            left = new BinaryNode(op, left, ParseAdditive(), offset);
        }
        return left;
    }

    private Node ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Is(TokenKind.AdditiveBinaryOperator))
        {
            var op = Peek();
            current++;
            left = new BinaryNode(op.Value, left, ParseMultiplicative(), op.Offset);
        }
        return left;
    }

    private Node ParseMultiplicative()
    {
        var left = ParsePower();
        while (Is(TokenKind.MultiplicativeBinaryOperator))
        {
            var op = Peek();
            current++;
            left = new BinaryNode(op.Value, left, ParsePower(), op.Offset);
        }
        return left;
    }

    private Node ParsePower()
    {
        var left = ParseTest();
        while (Is(TokenKind.ExponentiationBinaryOperator))
        {
            var op = Peek();
            current++;
            left = new BinaryNode(op.Value, left, ParseTest(), op.Offset);
        }
        return left;
    }

    private Node ParseTest()
    {
        var operand = ParseFilter();
        while (IsIdentifier("is"))
        {
            int offset = Peek().Offset;
            current++;
            bool negate = IsIdentifier("not");
            if (negate) current++;
            var test = ParsePrimary();
            string name = test switch
            {
                Identifier id => id.Name,
                // "is none", "is true" and "is false" lex as identifiers; keep them working whatever their spelling.
                _ => throw Error("Expected a test name after 'is'", test.Offset),
            };
            var args = new List<Node>();
            if (Is(TokenKind.OpenParen))
            {
                args = ParseArgs(parameters: false);
            }
            else if (name is "equalto" or "eq" or "sameas" or "divisibleby" && StartsOperand())
            {
                args.Add(ParsePrimary());
            }
            operand = new TestNode(operand, negate, name, args, offset);
        }
        return operand;
    }

    private bool StartsOperand() =>
        Is(TokenKind.NumericLiteral) || Is(TokenKind.StringLiteral) || (Is(TokenKind.Identifier) && !IsIdentifier("and") && !IsIdentifier("or")
            && !IsIdentifier("if") && !IsIdentifier("else") && !IsIdentifier("is") && !IsIdentifier("in") && !IsIdentifier("not"));

    private Node ParseFilter()
    {
        var operand = ParseUnarySign();
        while (Is(TokenKind.Pipe))
        {
            int offset = Peek().Offset;
            current++;
            var filter = ParsePrimary();
            if (filter is not Identifier)
            {
                throw Error("Expected a filter name after '|'", filter.Offset);
            }
            if (Is(TokenKind.OpenParen))
            {
                filter = ParseCall(filter);
            }
            operand = new FilterNode(operand, filter, offset);
        }
        return operand;
    }

    private Node ParseUnarySign()
    {
        if ((Is(TokenKind.UnaryOperator) || Is(TokenKind.AdditiveBinaryOperator)) && Peek().Value is "-" or "+")
        {
            var op = Peek();
            current++;
            return new UnaryNode(op.Value, ParseUnarySign(), op.Offset);
        }
        return ParseCallMember();
    }

    private Node ParseCallMember()
    {
        var member = ParseMember(ParsePrimary());
        return Is(TokenKind.OpenParen) ? ParseCall(member) : member;
    }

    private Node ParseCall(Node callee)
    {
        Node expr = new CallNode(callee, ParseArgs(parameters: false), callee.Offset);
        expr = ParseMember(expr);
        if (Is(TokenKind.OpenParen))
        {
            expr = ParseCall(expr);
        }
        return expr;
    }

    private List<Node> ParseArgs(bool parameters)
    {
        Expect(TokenKind.OpenParen, "Expected '('");
        var args = new List<Node>();
        bool sawKeyword = false;
        while (!Is(TokenKind.CloseParen))
        {
            if (current >= this.tokens.Count)
            {
                throw Error("Expected ')'");
            }
            int offset = Peek().Offset;
            if (Is(TokenKind.ExponentiationBinaryOperator) && !parameters)
            {
                current++;
                args.Add(new KeywordSpreadArgument(ParseExpression(), offset));
                if (Is(TokenKind.Comma)) current++;
                break;
            }
            if (Is(TokenKind.MultiplicativeBinaryOperator) && Peek().Value == "*" && !parameters)
            {
                current++;
                args.Add(new SpreadArgument(ParseExpression(), offset));
            }
            else
            {
                var argument = ParseExpression();
                if (Is(TokenKind.Equals))
                {
                    current++;
                    if (argument is not Identifier key)
                    {
                        throw Error(parameters ? "Expected a parameter name" : "Expected a keyword argument name", argument.Offset);
                    }
                    argument = new KeywordArgument(key, ParseExpression(), offset);
                }
                if (parameters && argument is not (Identifier or KeywordArgument))
                {
                    throw Error("Expected a parameter name", argument.Offset);
                }
                if (argument is KeywordArgument)
                {
                    sawKeyword = true;
                }
                else if (sawKeyword)
                {
                    throw Error(parameters ? "Non-default argument follows default argument" : "Positional arguments must come before keyword arguments", argument.Offset);
                }
                args.Add(argument);
            }
            if (Is(TokenKind.Comma)) current++;
        }
        Expect(TokenKind.CloseParen, "Expected ')'");
        return args;
    }

    private Node ParseMember(Node obj)
    {
        while (Is(TokenKind.Dot) || Is(TokenKind.OpenSquareBracket))
        {
            var op = Peek();
            current++;
            Node property;
            bool computed = op.Kind == TokenKind.OpenSquareBracket;
            if (computed)
            {
                property = ParseSubscript(op.Offset);
                Expect(TokenKind.CloseSquareBracket, "Expected ']'");
            }
            else
            {
                property = ParsePrimary();
                if (property is not (Identifier or IntegerLiteral))
                {
                    throw Error("Expected an attribute name after '.'", property.Offset);
                }
            }
            obj = new MemberNode(obj, property, computed, op.Offset);
        }
        return obj;
    }

    private Node ParseSubscript(int offset)
    {
        var parts = new List<Node?>();
        bool isSlice = false;
        while (!Is(TokenKind.CloseSquareBracket))
        {
            if (current >= this.tokens.Count)
            {
                throw Error("Expected ']'");
            }
            if (Is(TokenKind.Colon))
            {
                parts.Add(null);
                current++;
                isSlice = true;
            }
            else
            {
                parts.Add(ParseExpression());
                if (Is(TokenKind.Colon))
                {
                    current++;
                    isSlice = true;
                }
            }
        }
        if (parts.Count == 0)
        {
            throw Error("Expected an index or a slice inside '[]'", offset);
        }
        if (!isSlice)
        {
            return parts[0]!;
        }
        if (parts.Count > 3)
        {
            throw Error("A slice takes at most three parts", offset);
        }
        return new SliceNode(parts.ElementAtOrDefault(0), parts.ElementAtOrDefault(1), parts.ElementAtOrDefault(2), offset);
    }

    private Node ParsePrimary()
    {
        if (current >= this.tokens.Count)
        {
            throw Error("Unexpected end of template");
        }
        var token = this.tokens[current++];
        switch (token.Kind)
        {
            case TokenKind.NumericLiteral:
                // JavaScript reads every number literal as a double; one without a point is an integer value there.
                return token.Value.Contains('.')
                    ? new FloatLiteral(double.Parse(token.Value, System.Globalization.CultureInfo.InvariantCulture), token.Offset)
                    : new IntegerLiteral(double.Parse(token.Value, System.Globalization.CultureInfo.InvariantCulture), token.Offset);
            case TokenKind.StringLiteral:
            {
                string value = token.Value;
                while (Is(TokenKind.StringLiteral))
                {
                    value += this.tokens[current++].Value;
                }
                return new StringLiteral(value, token.Offset);
            }
            case TokenKind.Identifier:
                return new Identifier(token.Value, token.Offset);
            case TokenKind.OpenParen:
            {
                var expr = ParseExpressionSequence();
                Expect(TokenKind.CloseParen, "Expected ')'");
                return expr;
            }
            case TokenKind.OpenSquareBracket:
            {
                var items = new List<Node>();
                while (!Is(TokenKind.CloseSquareBracket))
                {
                    if (current >= this.tokens.Count) throw Error("Expected ']'");
                    items.Add(ParseExpression());
                    if (Is(TokenKind.Comma)) current++;
                }
                current++;
                return new ArrayLiteral(items, token.Offset);
            }
            case TokenKind.OpenCurlyBracket:
            {
                var entries = new List<(Node, Node)>();
                while (!Is(TokenKind.CloseCurlyBracket))
                {
                    if (current >= this.tokens.Count) throw Error("Expected '}'");
                    var key = ParseExpression();
                    Expect(TokenKind.Colon, "Expected ':' between key and value");
                    var value = ParseExpression();
                    entries.Add((key, value));
                    if (Is(TokenKind.Comma)) current++;
                }
                current++;
                return new ObjectLiteral(entries, token.Offset);
            }
            default:
                throw Error($"Unexpected {Describe(token)}", token.Offset);
        }
    }
}
