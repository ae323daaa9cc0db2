using System.Text;

namespace ConstitutionHub.Inference.Templates;

internal enum TokenKind
{
    Text, NumericLiteral, StringLiteral, Identifier, Equals, OpenParen, CloseParen, OpenStatement, CloseStatement,
    OpenExpression, CloseExpression, OpenSquareBracket, CloseSquareBracket, OpenCurlyBracket, CloseCurlyBracket,
    Comma, Dot, Colon, Pipe, AdditiveBinaryOperator, MultiplicativeBinaryOperator, ExponentiationBinaryOperator,
    ComparisonBinaryOperator, UnaryOperator, Comment,
}

internal sealed record TemplateToken(TokenKind Kind, string Value, int Offset);

/// <summary>
/// Splits a template into tokens exactly as @huggingface/jinja (the engine transformers.js renders chat templates
/// with) does, including its whitespace handling: one trailing newline is dropped, lstrip_blocks and trim_blocks are
/// applied as text rewrites, and <c>{%-</c>/<c>-%}</c> trim the neighbouring text.
/// </summary>
internal sealed class TemplateLexer
{
    private static readonly (string Seq, TokenKind Kind)[] Table =
    [
        ("{%", TokenKind.OpenStatement), ("%}", TokenKind.CloseStatement), ("{{", TokenKind.OpenExpression),
        ("}}", TokenKind.CloseExpression), ("(", TokenKind.OpenParen), (")", TokenKind.CloseParen),
        ("{", TokenKind.OpenCurlyBracket), ("}", TokenKind.CloseCurlyBracket), ("[", TokenKind.OpenSquareBracket),
        ("]", TokenKind.CloseSquareBracket), (",", TokenKind.Comma), (".", TokenKind.Dot), (":", TokenKind.Colon),
        ("|", TokenKind.Pipe), ("<=", TokenKind.ComparisonBinaryOperator), (">=", TokenKind.ComparisonBinaryOperator),
        ("==", TokenKind.ComparisonBinaryOperator), ("!=", TokenKind.ComparisonBinaryOperator),
        ("<", TokenKind.ComparisonBinaryOperator), (">", TokenKind.ComparisonBinaryOperator),
        ("+", TokenKind.AdditiveBinaryOperator), ("-", TokenKind.AdditiveBinaryOperator), ("~", TokenKind.AdditiveBinaryOperator),
        ("**", TokenKind.ExponentiationBinaryOperator), ("*", TokenKind.MultiplicativeBinaryOperator),
        ("//", TokenKind.MultiplicativeBinaryOperator), ("/", TokenKind.MultiplicativeBinaryOperator),
        ("%", TokenKind.MultiplicativeBinaryOperator), ("=", TokenKind.Equals),
    ];

    private readonly string original;
    private readonly string src;
    private readonly int[] map; // offset in src -> offset in the original template
    private readonly List<TemplateToken> tokens = [];
    private int pos;

    private TemplateLexer(string source)
    {
        this.original = source;
        (src, this.map) = Preprocess(source);
    }

    public static List<TemplateToken> Tokenize(string source, out Func<int, (int Line, int Column)> locate)
    {
        var lexer = new TemplateLexer(source);
        locate = lexer.Locate;
        lexer.Run();
        return lexer.tokens;
    }

    /// <summary>1-based line and column of an offset in the original template.</summary>
    public (int Line, int Column) Locate(int originalOffset)
    {
        int line = 1, col = 1;
        for (int i = 0; i < originalOffset && i < this.original.Length; i++)
        {
            if (this.original[i] == '\n') { line++; col = 1; }
            else col++;
        }
        return (line, col);
    }

    private int Original(int srcOffset) => srcOffset < this.map.Length ? this.map[srcOffset] : this.original.Length;

    /// <summary>The text rewrites of @huggingface/jinja's preprocess(), keeping each character's original offset.</summary>
    private static (string, int[]) Preprocess(string template)
    {
        var chars = new List<(char C, int Offset)>(template.Length);
        for (int i = 0; i < template.Length; i++) chars.Add((template[i], i));
        if (chars.Count > 0 && chars[^1].C == '\n') chars.RemoveAt(chars.Count - 1);

        // lstrip_blocks: /^[ \t]*({[#%-])/gm, where JavaScript's multiline ^ follows \n, \r, U+2028 and U+2029.
        var stripped = new List<(char C, int Offset)>(chars.Count);
        for (int i = 0; i < chars.Count;)
        {
            bool lineStart = i == 0 || chars[i - 1].C is '\n' or '\r' or '\u2028' or '\u2029';
            if (lineStart)
            {
                int j = i;
                while (j < chars.Count && chars[j].C is ' ' or '\t') j++;
                if (j > i && j + 1 < chars.Count && chars[j].C == '{' && chars[j + 1].C is '#' or '%' or '-')
                {
                    i = j;
                    continue;
                }
            }
            stripped.Add(chars[i]);
            i++;
        }

        // trim_blocks: /([#%-]})\n/g drops the newline after a block or comment.
        var trimmed = new List<(char C, int Offset)>(stripped.Count);
        for (int i = 0; i < stripped.Count; i++)
        {
            trimmed.Add(stripped[i]);
            if (stripped[i].C is '#' or '%' or '-' && i + 2 < stripped.Count && stripped[i + 1].C == '}' && stripped[i + 2].C == '\n')
            {
                trimmed.Add(stripped[i + 1]);
                i += 2;
            }
        }
        trimmed = RemoveGenerationTags(trimmed);
        var sb = new StringBuilder(trimmed.Count);
        var map = new int[trimmed.Count];
        for (int i = 0; i < trimmed.Count; i++)
        {
            sb.Append(trimmed[i].C);
            map[i] = trimmed[i].Offset;
        }
        return (sb.ToString(), map);
    }

    /// <summary>
    /// {% generation %} and {% endgeneration %} (assistant-mask markers) are dropped with the white space around them,
    /// which "-" keeps or removes: /(\s*){%(-?)\s*(?:end)?generation\s*(-?)%}(\s*)/gs in @huggingface/jinja.
    /// </summary>
    private static List<(char C, int Offset)> RemoveGenerationTags(List<(char C, int Offset)> chars)
    {
        var text = new string(chars.Select(x => x.C).ToArray());
        if (!text.Contains("generation", StringComparison.Ordinal))
        {
            return chars;
        }
        const string Ws = @"[\t\n\v\f\r \u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF]";
        var tag = new System.Text.RegularExpressions.Regex($@"({Ws}*){{%(-?){Ws}*(?:end)?generation{Ws}*(-?)%}}({Ws}*)");
        var result = new List<(char C, int Offset)>(chars.Count);
        int pos = 0;
        foreach (System.Text.RegularExpressions.Match m in tag.Matches(text))
        {
            result.AddRange(chars.GetRange(pos, m.Index - pos));
            if (m.Groups[2].Length == 0) result.AddRange(chars.GetRange(m.Groups[1].Index, m.Groups[1].Length));
            if (m.Groups[3].Length == 0) result.AddRange(chars.GetRange(m.Groups[4].Index, m.Groups[4].Length));
            pos = m.Index + m.Length;
        }
        result.AddRange(chars.GetRange(pos, chars.Count - pos));
        return result;
    }

    private TemplateException Error(string message, int srcOffset)
    {
        var (line, col) = Locate(Original(srcOffset));
        return new TemplateException(message, line, col);
    }

    private char At(int i) => i < src.Length ? src[i] : '\0';

    private static bool IsJsWhiteSpace(char c) => Tokenization.JsText.IsJsWhiteSpace(c);

    private static bool IsWord(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private void Add(TokenKind kind, string value, int srcOffset) => this.tokens.Add(new TemplateToken(kind, value, Original(srcOffset)));

    private void Run()
    {
        while (this.pos < src.Length)
        {
            TokenKind? last = this.tokens.Count > 0 ? this.tokens[^1].Kind : null;
            if (last is null or TokenKind.CloseStatement or TokenKind.CloseExpression or TokenKind.Comment)
            {
                int start = this.pos;
                while (this.pos < src.Length && !(src[this.pos] == '{' && At(this.pos + 1) is '%' or '{' or '#'))
                {
                    this.pos++;
                }
                if (this.pos > start)
                {
                    Add(TokenKind.Text, src[start..pos], start);
                    continue;
                }
            }

            if (src[this.pos] == '{' && At(this.pos + 1) == '#')
            {
                ReadComment();
                continue;
            }
            if (string.CompareOrdinal(src, this.pos, "{%-", 0, 3) == 0)
            {
                StripTrailingWhitespace();
                Add(TokenKind.OpenStatement, "{%", this.pos);
                this.pos += 3;
                continue;
            }
            if (string.CompareOrdinal(src, this.pos, "{{-", 0, 3) == 0)
            {
                StripTrailingWhitespace();
                Add(TokenKind.OpenExpression, "{{", this.pos);
                curlyDepth = 0;
                this.pos += 3;
                continue;
            }

            while (this.pos < src.Length && IsJsWhiteSpace(src[this.pos])) this.pos++;
            if (this.pos >= src.Length)
            {
                break;
            }

            if (string.CompareOrdinal(src, this.pos, "-%}", 0, 3) == 0)
            {
                Add(TokenKind.CloseStatement, "%}", this.pos);
                this.pos += 3;
                SkipLeadingWhitespace();
                continue;
            }
            if (string.CompareOrdinal(src, this.pos, "-}}", 0, 3) == 0)
            {
                Add(TokenKind.CloseExpression, "}}", this.pos);
                this.pos += 3;
                SkipLeadingWhitespace();
                continue;
            }

            char c = src[this.pos];
            if (c is '-' or '+')
            {
                TokenKind? prev = this.tokens.Count > 0 ? this.tokens[^1].Kind : null;
                if (prev is null or TokenKind.Text)
                {
                    throw Error($"Unexpected character: {c}", this.pos);
                }
                if (prev is not (TokenKind.Identifier or TokenKind.NumericLiteral or TokenKind.StringLiteral or TokenKind.CloseParen or TokenKind.CloseSquareBracket))
                {
                    int start = this.pos;
                    this.pos++;
                    string num = ReadDigits();
                    if (num.Length > 0 && At(this.pos) == '.' && char.IsAsciiDigit(At(this.pos + 1)))
                    {
                        this.pos++;
                        num = $"{num}.{ReadDigits()}";
                    }
                    Add(num.Length > 0 ? TokenKind.NumericLiteral : TokenKind.UnaryOperator, c + num, start);
                    continue;
                }
            }

            if (TryReadOperator())
            {
                continue;
            }

            if (c is '\'' or '"')
            {
                int start = this.pos;
                this.pos++;
                string str = ReadString(c, start);
                Add(TokenKind.StringLiteral, str, start);
                this.pos++;
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                int start = this.pos;
                string num = ReadDigits();
                if ((this.tokens.Count == 0 || this.tokens[^1].Kind != TokenKind.Dot) && At(this.pos) == '.' && char.IsAsciiDigit(At(this.pos + 1)))
                {
                    this.pos++;
                    num = $"{num}.{ReadDigits()}";
                }
                Add(TokenKind.NumericLiteral, num, start);
                continue;
            }
            if (IsWord(c))
            {
                int start = this.pos;
                while (this.pos < src.Length && IsWord(src[this.pos])) this.pos++;
                Add(TokenKind.Identifier, src[start..pos], start);
                continue;
            }
            throw Error($"Unexpected character: {c}", this.pos);
        }
    }

    private int curlyDepth;

    private bool TryReadOperator()
    {
        foreach (var (seq, kind) in Table)
        {
            if (seq == "}}" && curlyDepth > 0) continue;
            if (string.CompareOrdinal(src, this.pos, seq, 0, seq.Length) == 0 && this.pos + seq.Length <= src.Length)
            {
                Add(kind, seq, this.pos);
                if (kind == TokenKind.OpenExpression) curlyDepth = 0;
                else if (kind == TokenKind.OpenCurlyBracket) curlyDepth++;
                else if (kind == TokenKind.CloseCurlyBracket) curlyDepth--;
                this.pos += seq.Length;
                return true;
            }
        }
        return false;
    }

    private string ReadDigits()
    {
        int start = this.pos;
        while (this.pos < src.Length && char.IsAsciiDigit(src[this.pos])) this.pos++;
        return src[start..pos];
    }

    private string ReadString(char quote, int start)
    {
        var sb = new StringBuilder();
        while (true)
        {
            if (this.pos >= src.Length)
            {
                throw Error("Unexpected end of input (unterminated string literal)", start);
            }
            char c = src[this.pos];
            if (c == quote) return sb.ToString();
            if (c == '\\')
            {
                this.pos++;
                if (this.pos >= src.Length) throw Error("Unexpected end of input", start);
                char e = src[this.pos++];
                if (e is 'x' or 'u')
                {
                    int len = e == 'x' ? 2 : 4;
                    string hex = this.pos + len <= src.Length ? src.Substring(this.pos, len) : "";
                    if (hex.Length != len || !hex.All(Uri.IsHexDigit))
                    {
                        throw Error($"Invalid hexadecimal escape sequence: \\{e}{hex}", this.pos - 2);
                    }
                    sb.Append((char)Convert.ToInt32(hex, 16));
                    this.pos += len;
                    continue;
                }
                sb.Append(e switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\b',
                    'f' => '\f',
                    'v' => '\v',
                    '\'' => '\'',
                    '"' => '"',
                    '\\' => '\\',
                    _ => throw Error($"Unexpected escaped character: {e}", this.pos - 2),
                });
                continue;
            }
            sb.Append(c);
            this.pos++;
        }
    }

    private void ReadComment()
    {
        int start = this.pos;
        this.pos += 2;
        bool stripBefore = At(this.pos) == '-';
        if (stripBefore) this.pos++;
        var comment = new StringBuilder();
        while (At(this.pos) != '#' || At(this.pos + 1) != '}')
        {
            if (this.pos + 2 >= src.Length)
            {
                throw Error("Missing end of comment tag", start);
            }
            comment.Append(src[this.pos++]);
        }
        bool stripAfter = comment.Length > 0 && comment[^1] == '-';
        if (stripAfter) comment.Length--;
        if (stripBefore) StripTrailingWhitespace();
        Add(TokenKind.Comment, comment.ToString(), start);
        this.pos += 2;
        if (stripAfter) SkipLeadingWhitespace();
    }

    private void StripTrailingWhitespace()
    {
        if (this.tokens.Count > 0 && this.tokens[^1].Kind == TokenKind.Text)
        {
            var last = this.tokens[^1];
            string trimmed = Tokenization.JsText.TrimEnd(last.Value);
            if (trimmed.Length == 0) this.tokens.RemoveAt(this.tokens.Count - 1);
            else this.tokens[^1] = last with { Value = trimmed };
        }
    }

    private void SkipLeadingWhitespace()
    {
        while (this.pos < src.Length && IsJsWhiteSpace(src[this.pos])) this.pos++;
    }
}
