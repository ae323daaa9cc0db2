using System.Text.Json;

namespace ConstitutionHub.Inference.Tokenization;

/// <summary>A tokenizer.json "post_processor" (transformers.js: src/core/postProcessor), with special tokens named by content.</summary>
internal abstract class PostProcessor
{
    public abstract List<int> Process(List<int> ids, bool addSpecialTokens, Func<string, int?> resolve);

    /// <summary>The token string of ["[CLS]", 101]: transformers.js looks the string up and ignores the number.</summary>
    private static string TokenName(JsonElement config, string name, string type)
    {
        var pair = Json.Prop(config, name);
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() < 1 || pair[0].ValueKind != JsonValueKind.String)
        {
            throw new TokenizerException($"The {type} post_processor has no \"{name}\" token.");
        }
        return pair[0].GetString()!;
    }

    public static PostProcessor? Create(JsonElement config)
    {
        if (Json.IsNull(config))
        {
            return null;
        }
        string type = Json.Type(config, "post_processor");
        return type switch
        {
            "TemplateProcessing" => new TemplateProcessing(config),
            "ByteLevel" => new ByteLevelPostProcessor(),
            "Sequence" => new SequencePostProcessor([.. Json.Array(config, "processors").Select(Create).OfType<PostProcessor>()]),
            // transformers.js treats both alike for a single sequence: [cls] A [sep], tokens named by content.
            "BertProcessing" or "RobertaProcessing" => new ClsSepProcessing(TokenName(config, "cls", type), TokenName(config, "sep", type)),
            _ => throw new TokenizerException($"The post_processor type '{type}' is not supported (supported: TemplateProcessing, ByteLevel, "
                + "BertProcessing, RobertaProcessing, Sequence)."),
        };
    }
}

/// <summary>Wraps the sequence with the special tokens of the "single" template (e.g. "&lt;s&gt; $A").</summary>
internal sealed class TemplateProcessing : PostProcessor
{
    private readonly List<(string? Special, bool IsSequenceA)> single = [];

    public TemplateProcessing(JsonElement config)
    {
        foreach (var item in Json.Array(config, "single"))
        {
            var special = Json.Prop(item, "SpecialToken");
            var sequence = Json.Prop(item, "Sequence");
            if (special.ValueKind == JsonValueKind.Object)
            {
                string id = Json.String(special, "id") ?? throw new TokenizerException("A TemplateProcessing SpecialToken has no id.");
                this.single.Add((id, false));
            }
            else if (sequence.ValueKind == JsonValueKind.Object)
            {
                // Only "A" exists for a single sequence; transformers.js ignores anything else there.
                this.single.Add((null, Json.String(sequence, "id") == "A"));
            }
            else
            {
                throw new TokenizerException("A TemplateProcessing item is neither SpecialToken nor Sequence.");
            }
        }
    }

    public override List<int> Process(List<int> ids, bool addSpecialTokens, Func<string, int?> resolve)
    {
        var result = new List<int>(ids.Count + 2);
        foreach (var (special, isA) in this.single)
        {
            if (special is not null)
            {
                // The template names tokens by content; they are looked up like any other token string.
                if (addSpecialTokens && resolve(special) is int id) result.Add(id);
            }
            else if (isA)
            {
                result.AddRange(ids);
            }
        }
        return result;
    }
}

/// <summary>BertProcessing / RobertaProcessing: the sequence between the cls and sep tokens.</summary>
internal sealed class ClsSepProcessing(string cls, string sep) : PostProcessor
{
    public override List<int> Process(List<int> ids, bool addSpecialTokens, Func<string, int?> resolve)
    {
        if (!addSpecialTokens) return ids;
        var result = new List<int>(ids.Count + 2);
        if (resolve(cls) is int c) result.Add(c);
        result.AddRange(ids);
        if (resolve(sep) is int s) result.Add(s);
        return result;
    }
}

internal sealed class ByteLevelPostProcessor : PostProcessor
{
    public override List<int> Process(List<int> ids, bool addSpecialTokens, Func<string, int?> resolve) => ids;
}

internal sealed class SequencePostProcessor(PostProcessor[] steps) : PostProcessor
{
    public override List<int> Process(List<int> ids, bool addSpecialTokens, Func<string, int?> resolve)
    {
        foreach (var step in steps) ids = step.Process(ids, addSpecialTokens, resolve);
        return ids;
    }
}
