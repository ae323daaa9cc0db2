using System.Collections.Concurrent;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>Who has a chat open: signed-in names and a count of everyone else.</summary>
public sealed record Watchers(IReadOnlyList<string> Names, int Others)
{
    public int Total => Names.Count + Others;
}

/// <summary>
/// Who is watching each chat on this node, in memory: one entry per open page (a person with two tabs counts
/// once by name). Kept per node on purpose; it is a courtesy, not a record, and is gone after a restart.
/// </summary>
public sealed class ChatPresence
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Guid, Actor?>> chats = new();

    public event Action<Guid>? Changed;

    public IDisposable Join(Guid chatId, Actor? viewer)
    {
        var key = Guid.NewGuid();
        chats.GetOrAdd(chatId, _ => new())[key] = viewer;
        Changed?.Invoke(chatId);
        return new Leave(() =>
        {
            if (chats.TryGetValue(chatId, out var viewers))
            {
                viewers.TryRemove(key, out _);
                if (viewers.IsEmpty) chats.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<Guid, Actor?>>(chatId, viewers));
            }
            Changed?.Invoke(chatId);
        });
    }

    public Watchers Of(Guid chatId)
    {
        if (!chats.TryGetValue(chatId, out var viewers)) return new Watchers([], 0);
        var entries = viewers.Values.ToList();
        var names = entries.OfType<Actor>().DistinctBy(a => a.Id).Select(a => a.Name).Order(StringComparer.CurrentCulture).ToList();
        return new Watchers(names, entries.Count(a => a is null));
    }

    private sealed class Leave(Action leave) : IDisposable
    {
        private int disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) leave();
        }
    }
}
