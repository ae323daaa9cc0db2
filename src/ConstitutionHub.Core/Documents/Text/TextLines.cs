using System.Security.Cryptography;
using System.Text;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>
/// Line bookkeeping shared by the parser, compiler, merge and diff. Every entry point normalises line endings
/// to LF first, so a line number means the same thing everywhere (Markdig also treats CR and CRLF as one break).
/// </summary>
internal sealed class TextLines
{
    private readonly int[] starts;

    private TextLines(string text, int[] starts)
    {
        Text = text;
        this.starts = starts;
    }

    public string Text { get; }

    /// <summary>Number of lines; a final line without a terminator counts, the empty string after a final LF does not.</summary>
    public int Count => this.starts.Length;

    public static TextLines Of(string normalisedText)
    {
        var starts = new List<int>();
        if (normalisedText.Length > 0)
        {
            starts.Add(0);
            for (var i = 0; i < normalisedText.Length - 1; i++)
            {
                if (normalisedText[i] == '\n') starts.Add(i + 1);
            }
        }
        return new TextLines(normalisedText, starts.ToArray());
    }

    public int StartOf(int line) => line >= this.starts.Length ? Text.Length : this.starts[line];

    /// <summary>The text of lines [from, to) including their terminators.</summary>
    public string Slice(int from, int to) => Text[StartOf(from)..StartOf(to)];

    /// <summary>One line without its terminator.</summary>
    public string Line(int line)
    {
        var start = StartOf(line);
        var end = StartOf(line + 1);
        if (end > start && Text[end - 1] == '\n') end--;
        return Text[start..end];
    }

    public int LineOfOffset(int offset)
    {
        var index = Array.BinarySearch(this.starts, offset);
        return index >= 0 ? index : ~index - 1;
    }

    public static string NormaliseLineEndings(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains('\r') ? text.Replace("\r\n", "\n").Replace('\r', '\n') : text;
    }

    /// <summary>Splits into lines that keep their LF terminator, so joining them gives the input back exactly.</summary>
    public static string[] SplitKeepingTerminators(string text)
    {
        if (text.Length == 0) return [];
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            lines.Add(text[start..(i + 1)]);
            start = i + 1;
        }
        if (start < text.Length) lines.Add(text[start..]);
        return lines.ToArray();
    }

    public static bool IsBlank(string line)
    {
        foreach (var c in line)
        {
            if (!char.IsWhiteSpace(c)) return false;
        }
        return true;
    }

    public static string Sha256(string text) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
