using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Web.Features.Constitutions;
using ConstitutionHub.Web.Infrastructure.Nodes;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>
/// One chat as one page shows it, kept up to date: the thread as last read, who is watching, what to tell screen
/// readers. It holds every subscription the page needs (the chat's stream, reply progress, presence) and is the only
/// way the page subscribes; the page creates one per chat and disposes it. Every change runs through
/// <c>invoke</c> (the component's dispatcher) and ends with <c>render</c>.
/// </summary>
public sealed class LiveChat(
    ChatQueries queries, ConstitutionQueries constitutions, NodeBus changes, ChatRunner runner, NodePresence presence,
    Guid chatId, Func<Func<Task>, Task> invoke, Action render) : IDisposable
{
    private readonly List<IDisposable> subscriptions = [];
    private readonly Dictionary<int, Dictionary<string, string>> headings = [];
    private bool refreshing, dirty;

    public ChatThread? Thread { get; private set; }
    public Guid? LeafId { get; private set; }
    public ConstitutionRow? Constitution { get; private set; }
    public Watchers Watchers { get; private set; } = new([], 0);
    /// <summary>Said once by the polite live region when a reply ends (not every token).</summary>
    public string? Announcement { get; set; }
    /// <summary>A transient problem to show (the database was out of reach for a moment).</summary>
    public string? Problem { get; private set; }

    /// <summary>Reads the chat; on a circuit, first subscribes, so a batch appended in between is not missed: late
    /// joiners get the text so far from the read, then every later batch from the notifications.</summary>
    public async Task StartAsync(Actor? viewer, ConstitutionRow? constitution, Guid? leafId, bool live)
    {
        LeafId = leafId;
        if (live)
        {
            subscriptions.Add(changes.Subscribe(ChatStream.Id(chatId), _ => invoke(RefreshAsync)));
            subscriptions.Add(runner.WatchProgress(chatId, OnProgress));
            subscriptions.Add(presence.Watch(ChatControl.PresenceTopic(chatId), OnPresence));
            subscriptions.Add(presence.Join(ChatControl.PresenceTopic(chatId), viewer));
            Watchers = presence.Of(ChatControl.PresenceTopic(chatId));
        }
        Constitution = constitution;
        Thread = await queries.ThreadAsync(chatId, leafId);
        await LoadHeadingsAsync();
    }

    /// <summary>Follows another branch: the one through <paramref name="leafId"/>.</summary>
    public async Task ShowAsync(Guid leafId)
    {
        LeafId = leafId;
        Thread = await queries.ThreadAsync(chatId, leafId) ?? Thread;
        await LoadHeadingsAsync();
    }

    public ReplyProgress? Progress(Guid replyId) => runner.Progress(replyId);

    /// <summary>What a new turn after <paramref name="fromId"/> runs with: the nearest earlier reply's own settings
    /// on this branch, else the chat's (null). A branch continued under another revision keeps it.</summary>
    public ChatProvenance? InheritedAt(Guid? fromId)
    {
        if (Thread is null) return null;
        var byId = Thread.Messages.ToDictionary(m => m.Id);
        for (var m = fromId is { } f ? byId.GetValueOrDefault(f) : null; m is not null; m = m.ParentId is { } p ? byId.GetValueOrDefault(p) : null)
            if (m.Role == ChatRole.Assistant && m.Provenance is { } own) return own;
        return null;
    }

    /// <summary>Re-reads after a change. While only replies are streaming (no message added), reads just those
    /// replies instead of the whole chat; notifications arriving meanwhile fold into one more pass.</summary>
    private async Task RefreshAsync()
    {
        if (refreshing) { dirty = true; return; }
        refreshing = true;
        try
        {
            do
            {
                dirty = false;
                await ReloadAsync();
            } while (dirty);
            Problem = null;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
        {
            Problem = "Lost contact with the database for a moment; the chat will catch up with the next change.";
        }
        finally
        {
            refreshing = false;
        }
        render();
    }

    private async Task ReloadAsync()
    {
        var row = await queries.ChatAsync(chatId);
        if (row is null || Thread is null) return;
        var before = Thread;
        var streaming = before.Messages.Where(m => m.Status == MessageStatus.Streaming).ToList();
        if (row.MessageCount != before.Messages.Count || streaming.Count == 0)
        {
            Thread = await queries.ThreadAsync(chatId, LeafId) ?? before;
            await LoadHeadingsAsync();
        }
        else
        {
            var fresh = new Dictionary<Guid, ChatMessageRow>();
            foreach (var m in streaming)
                if (await queries.MessageAsync(chatId, m.Id) is { } latest) fresh[m.Id] = latest;
            var messages = before.Messages.Select(m => fresh.GetValueOrDefault(m.Id, m)).ToList();
            Thread = before with { Chat = row, Messages = messages, Branch = ChatTree.Branch(messages, LeafId) };
        }
        Announce(before, Thread);
    }

    private void Announce(ChatThread before, ChatThread after)
    {
        foreach (var m in after.Messages.Where(m => m.Role == ChatRole.Assistant))
        {
            var old = before.Messages.FirstOrDefault(o => o.Id == m.Id);
            if (old?.Status == MessageStatus.Streaming && m.Status != MessageStatus.Streaming)
                Announcement = m.Status switch
                {
                    MessageStatus.Failed => "The reply failed.",
                    MessageStatus.Interrupted => "The reply was interrupted.",
                    _ => m.FinishReason == "cancelled" ? "The reply was stopped." : "The reply is finished.",
                };
        }
    }

    private void OnProgress(ReplyProgress p)
    {
        if (p.ChatId == chatId) _ = invoke(() => { render(); return Task.CompletedTask; });
    }

    private void OnPresence(Watchers now) =>
        _ = invoke(() => { Watchers = now; render(); return Task.CompletedTask; });

    /// <summary>The recipe with section headings where the revision is readable (a recipe stores section ids).</summary>
    public string RecipeText(ChatProvenance p)
    {
        if (p.Recipe.Count == 0) return "every section's default";
        var names = headings.GetValueOrDefault(p.Revision);
        return string.Join(", ", p.Recipe.Select(c =>
        {
            var section = names?.GetValueOrDefault(c.Key) ?? c.Key;
            return c.Value == VariantSyntax.OmitChoice ? $"{section} left out" : $"{section}: {c.Value}";
        }));
    }

    private async Task LoadHeadingsAsync()
    {
        if (Thread is null || Constitution is null) return;
        var revisions = Thread.Messages.Select(m => m.Provenance).OfType<ChatProvenance>().Append(Thread.Provenance)
            .Where(p => p.ConstitutionId == Constitution.Id && p.Recipe.Count > 0).Select(p => p.Revision).Distinct();
        foreach (var number in revisions.Where(n => !headings.ContainsKey(n)))
            if (await constitutions.RevisionAsync(Constitution.Id, number) is { } r)
                headings[number] = r.Sections.Where(x => x.Heading.Length > 0).ToDictionary(x => x.Id, x => x.Heading);
    }

    public void Dispose()
    {
        foreach (var s in subscriptions) s.Dispose();
        subscriptions.Clear();
    }
}
