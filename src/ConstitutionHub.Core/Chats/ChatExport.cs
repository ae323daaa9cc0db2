using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ConstitutionHub.Core.Chats;

/// <summary>
/// Transcripts of a chat, as pure functions of its read model: Markdown (the viewed branch, for reading),
/// JSON (every message with its provenance; schema in <c>Chats/transcript.schema.json</c>) and OpenAI-style
/// <c>messages</c> JSONL (one line per branch, for evaluation sets and fine-tuning tools).
/// </summary>
public static class ChatExport
{
    public const string JsonFormat = "constitutionhub.chat-transcript";
    public const int JsonVersion = 1;

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // A download, not HTML: keep non-ASCII text readable instead of \u-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // Every property of the schema is always present; absent values are written as null.
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private static readonly JsonSerializerOptions JsonlOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The branch being viewed, with its provenance up front and any per-turn change noted at the reply.</summary>
    public static string Markdown(ChatThread thread)
    {
        var p = thread.Provenance;
        var md = new StringBuilder();
        md.Append("# ").Append(OneLine(thread.Chat.Title)).Append("\n\n");
        AppendProvenance(md, p, thread.SystemPromptHidden);
        md.Append(Invariant, $"- Started by {OneLine(thread.Chat.OwnerName)} on {thread.Chat.Created.UtcDateTime:yyyy-MM-dd HH:mm} UTC\n");
        if (!thread.SystemPromptHidden)
        {
            md.Append("\n## System prompt\n\n");
            AppendFenced(md, p.SystemPrompt);
        }

        foreach (var m in thread.Branch)
        {
            md.Append(m.Role == ChatRole.User ? "\n## User\n\n" : "\n## Assistant\n\n");
            if (m.Role == ChatRole.Assistant && m.Provenance is { } own)
            {
                md.Append("> This reply ran with other settings than the chat started with:\n>\n");
                var note = new StringBuilder();
                AppendProvenance(note, own, thread.SystemPromptHidden);
                foreach (var line in note.ToString().TrimEnd('\n').Split('\n')) md.Append("> ").Append(line).Append('\n');
                md.Append('\n');
            }
            md.Append(m.Text.TrimEnd()).Append("\n");
            if (m.Role == ChatRole.Assistant) md.Append('\n').Append(ReplyFootnote(m, thread.ProvenanceOf(m))).Append('\n');
        }
        return md.ToString();
    }

    /// <summary>Every message of the thread (the tree) plus the viewed branch, with provenance; see transcript.schema.json.</summary>
    public static string Json(ChatThread thread)
    {
        var hidden = thread.SystemPromptHidden;
        var document = new TranscriptJson(
            JsonFormat, JsonVersion,
            new ChatJson(thread.Chat.Id, thread.Chat.Title, thread.Chat.OwnerId, thread.Chat.OwnerName, thread.Chat.Created, thread.Chat.Updated,
                thread.Chat.Status.ToString().ToLowerInvariant()),
            hidden,
            ProvenanceJson.From(thread.Provenance, hidden),
            thread.Messages.Select(m => new MessageJson(
                m.Id, m.ParentId, m.Role.ToString().ToLowerInvariant(), m.Text, m.Status.ToString().ToLowerInvariant(), m.AuthorName,
                m.Created, m.Updated, m.PromptTokens, m.CompletionTokens, m.TimeToFirstTokenMs, m.TokensPerSecond, m.FinishReason, m.Error,
                m.Role == ChatRole.Assistant ? ReplySeed.For(thread.ProvenanceOf(m).Sampling, m.Id) : null,
                m.Provenance is null ? null : ProvenanceJson.From(m.Provenance, hidden))).ToList(),
            thread.Branch.Select(m => m.Id).ToList());
        return JsonSerializer.Serialize(document, JsonOptions);
    }

    /// <summary>
    /// One line per branch (root to leaf): <c>{"messages":[{"role":"system","content":...},{"role":"user",...},...]}</c>.
    /// Complete and interrupted replies are included (an interrupted one with its partial text); failed and
    /// still-streaming replies are left out, and a branch left ending on an unanswered user turn is skipped. The
    /// system message is the prompt the branch's last reply ran with; it is left out when the prompt is hidden.
    /// </summary>
    public static string Jsonl(ChatThread thread)
    {
        var lines = new List<string>();
        foreach (var leaf in ChatTree.Leaves(thread.Messages))
        {
            var path = ChatTree.PathTo(thread.Messages, leaf.Id)
                .Where(m => m.Role == ChatRole.User || m.Status is MessageStatus.Complete or MessageStatus.Interrupted)
                .ToList();
            if (path.Count == 0 || path[^1].Role != ChatRole.Assistant) continue;
            var messages = new List<OpenAiMessage>();
            if (!thread.SystemPromptHidden) messages.Add(new OpenAiMessage("system", thread.ProvenanceOf(path[^1]).SystemPrompt));
            messages.AddRange(path.Select(m => new OpenAiMessage(m.Role == ChatRole.User ? "user" : "assistant", m.Text)));
            var line = JsonSerializer.Serialize(new OpenAiLine(messages), JsonlOptions);
            if (!lines.Contains(line)) lines.Add(line);
        }
        return lines.Count == 0 ? "" : string.Join("\n", lines) + "\n";
    }

    private static void AppendProvenance(StringBuilder md, ChatProvenance p, bool promptHidden)
    {
        var s = p.Sampling;
        md.Append(Invariant, $"- Constitution: {p.Slug}, revision {p.Revision} (`{p.ConstitutionId}`)\n");
        md.Append("- Recipe: ").Append(p.Recipe.Count == 0
            ? "default variants"
            : string.Join(", ", p.Recipe.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} → {c.Value}"))).Append('\n');
        md.Append("- System prompt: `").Append(p.PromptHash).Append('`').Append(promptHidden ? " (text hidden)" : "").Append('\n');
        md.Append("- Model: ").Append(OneLine(p.Model.Id));
        if (p.Model.IsRemote) md.Append(" (remote model `").Append(OneLine(p.Model.RemoteModel ?? "")).Append("` at ").Append(OneLine(p.Model.Endpoint!)).Append(")\n");
        else md.Append(" (file sha256 `").Append(p.Model.FileSha256).Append("`) on ").Append(OneLine(p.Model.ExecutionProvider)).Append('\n');
        md.Append(Invariant, $"- Sampling: temperature {s.Temperature}, top-k {s.TopK}, top-p {s.TopP}, min-p {s.MinP}, ")
            .Append(Invariant, $"repetition penalty {s.RepetitionPenalty}, max new tokens {s.MaxNewTokens}, ")
            .Append("seed ").Append(s.Seed?.ToString(Invariant) ?? "per reply")
            .Append(", stop ").Append(s.StopStrings.Count == 0 ? "none" : JsonSerializer.Serialize(s.StopStrings)).Append('\n');
    }

    private static string ReplyFootnote(ChatMessageRow m, ChatProvenance provenance)
    {
        var parts = new List<string> { m.Status.ToString().ToLowerInvariant() };
        if (m.FinishReason is not null) parts.Add($"finish: {m.FinishReason}");
        if (m.PromptTokens is { } prompt) parts.Add(string.Create(Invariant, $"{prompt} prompt tokens"));
        parts.Add(string.Create(Invariant, $"{m.CompletionTokens} tokens"));
        if (m.TimeToFirstTokenMs is { } ttft) parts.Add(string.Create(Invariant, $"{ttft:0} ms to first token"));
        if (m.TokensPerSecond is { } tps) parts.Add(string.Create(Invariant, $"{tps:0.0} tokens/s"));
        if (m.Error is not null) parts.Add(OneLine(m.Error));
        // Without a chat seed each reply has its own (see ReplySeed); with one, the provenance above names it.
        if (provenance.Sampling.Seed is null && provenance.Sampling.Temperature > 0)
            parts.Add(string.Create(Invariant, $"seed {ReplySeed.FromReplyId(m.Id)}"));
        return "_" + string.Join(" · ", parts.Select(EscapeEmphasis)) + "_";
    }

    /// <summary>A fence longer than any run of backticks in the text, so the prompt cannot close it early.</summary>
    private static void AppendFenced(StringBuilder md, string text)
    {
        var longest = 0;
        var run = 0;
        foreach (var c in text)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        var fence = new string('`', Math.Max(3, longest + 1));
        md.Append(fence).Append("text\n").Append(text);
        if (!text.EndsWith('\n')) md.Append('\n');
        md.Append(fence).Append('\n');
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    private static string EscapeEmphasis(string text) => text.Replace("_", "\\_", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal);

    private sealed record TranscriptJson(
        string Format, int Version, ChatJson Chat, bool SystemPromptHidden, ProvenanceJson Provenance, IReadOnlyList<MessageJson> Messages,
        IReadOnlyList<Guid> Branch);

    private sealed record ChatJson(Guid Id, string Title, string OwnerId, string OwnerName, DateTimeOffset Created, DateTimeOffset Updated,
        string Status);

    private sealed record MessageJson(
        Guid Id, Guid? ParentId, string Role, string Text, string Status, string AuthorName, DateTimeOffset Created, DateTimeOffset Updated,
        int? PromptTokens, int CompletionTokens, double? TimeToFirstTokenMs, double? TokensPerSecond, string? FinishReason, string? Error,
        long? Seed, ProvenanceJson? Provenance);

    private sealed record ModelJson(string Id, string FileSha256, string ExecutionProvider, string? Endpoint, string? RemoteModel);

    private sealed record SamplingJson(double Temperature, int TopK, double TopP, double MinP, double RepetitionPenalty, int MaxNewTokens,
        long? Seed, IReadOnlyList<string> StopStrings);

    private sealed record ProvenanceJson(
        Guid ConstitutionId, string Slug, int Revision, IReadOnlyDictionary<string, string> Recipe, string? SystemPrompt, string PromptHash,
        ModelJson Model, SamplingJson Sampling)
    {
        public static ProvenanceJson From(ChatProvenance p, bool hidePrompt) => new(
            p.ConstitutionId, p.Slug, p.Revision, new SortedDictionary<string, string>(p.Recipe.ToDictionary(), StringComparer.Ordinal),
            hidePrompt ? null : p.SystemPrompt, p.PromptHash,
            new ModelJson(p.Model.Id, p.Model.FileSha256, p.Model.ExecutionProvider, p.Model.Endpoint, p.Model.RemoteModel),
            new SamplingJson(p.Sampling.Temperature, p.Sampling.TopK, p.Sampling.TopP, p.Sampling.MinP, p.Sampling.RepetitionPenalty,
                p.Sampling.MaxNewTokens, p.Sampling.Seed, p.Sampling.StopStrings));
    }

    private sealed record OpenAiMessage(string Role, string Content);

    private sealed record OpenAiLine(IReadOnlyList<OpenAiMessage> Messages);
}
