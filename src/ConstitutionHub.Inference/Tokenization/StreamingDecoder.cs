using System.Text;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>
/// Turns generated ids into text as they arrive. Text is held back while it could still change: an incomplete UTF-8
/// sequence (byte-level or &lt;0xNN&gt; tokens) that would show as U+FFFD, or a tail that the clean-up of
/// tokenization spaces might rewrite. The concatenation of everything returned equals <see cref="Tokenizer.Decode"/>
/// of all ids.
/// </summary>
/// <remarks>
/// Each step decodes a short window: the tokens of the previous chunk as context plus the new ones, and returns the
/// text beyond the context. The context keeps decoders that treat the first token specially (Metaspace, Strip)
/// consistent with a full decode, and keeps the work per token constant.
/// </remarks>
public sealed class StreamingDecoder
{
    private static readonly string[] CleanupSensitiveTails = [" ", " '", " n", " n'", " 'v", " 'r"];

    private readonly Tokenizer tokenizer;
    private readonly bool skipSpecialTokens;
    private readonly List<int> ids = [];
    private readonly StringBuilder emitted = new();
    private readonly char? strippedTail;
    private int prefixOffset;
    private int readOffset;

    internal StreamingDecoder(Tokenizer tokenizer, bool skipSpecialTokens)
    {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        strippedTail = FindStripStop(tokenizer.DecoderForStreaming);
    }

    /// <summary>Adds one id and returns the text that became final (possibly empty).</summary>
    public string Append(int id)
    {
        this.ids.Add(id);
        string prefix = this.tokenizer.DecodeRange(this.ids, prefixOffset, readOffset, this.skipSpecialTokens);
        string window = this.tokenizer.DecodeRange(this.ids, prefixOffset, this.ids.Count, this.skipSpecialTokens);
        if (window.Length <= prefix.Length || !window.StartsWith(prefix, StringComparison.Ordinal) || !IsStable(window))
        {
            return "";
        }
        string chunk = window[prefix.Length..];
        prefixOffset = readOffset;
        readOffset = this.ids.Count;
        this.emitted.Append(chunk);
        return chunk;
    }

    /// <summary>Returns the text still held back (call when generation ends).</summary>
    public string Flush()
    {
        string all = this.tokenizer.Decode(this.ids, this.skipSpecialTokens);
        string emitted = this.emitted.ToString();
        string rest = all.StartsWith(emitted, StringComparison.Ordinal) ? all[emitted.Length..] : "";
        this.emitted.Append(rest);
        prefixOffset = readOffset = this.ids.Count;
        return rest;
    }

    private bool IsStable(string text)
    {
        if (text.EndsWith('\uFFFD'))
        {
            return false;
        }
        if (this.tokenizer.CleanUpTokenizationSpaces)
        {
            foreach (string tail in CleanupSensitiveTails)
            {
                if (text.EndsWith(tail, StringComparison.Ordinal)) return false;
            }
        }
        return strippedTail is not char c || !text.EndsWith(c);
    }

    /// <summary>A Strip decoder with stop &gt; 0 removes trailing characters that a later token may follow.</summary>
    private static char? FindStripStop(Decoder? decoder)
    {
        return decoder switch
        {
            StripDecoder { Stop: > 0, Content.Length: 1 } strip => strip.Content[0],
            SequenceDecoder seq => seq.Steps.Select(FindStripStop).FirstOrDefault(c => c is not null),
            _ => null,
        };
    }
}
