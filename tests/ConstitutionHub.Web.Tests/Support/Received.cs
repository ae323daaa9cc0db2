namespace ConstitutionHub.Web.Tests.Support;

/// <summary>
/// Everything a test's listener was told (SignalR messages, subscription callbacks), in order, with a wait that
/// wakes on each arrival: a test waits for the moment the condition holds, never for a guessed time.
/// </summary>
public sealed class Received<T>
{
    private readonly Lock gate = new();
    private readonly List<T> items = [];
    private readonly List<(Func<IReadOnlyList<T>, bool> Condition, TaskCompletionSource Done)> waiters = [];

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (gate) return items.ToList();
        }
    }

    public void Add(T item)
    {
        lock (gate)
        {
            items.Add(item);
            foreach (var waiter in waiters.Where(w => w.Condition(items)).ToList())
            {
                waiters.Remove(waiter);
                waiter.Done.TrySetResult();
            }
        }
    }

    /// <summary>Returns once what was received satisfies <paramref name="condition"/>; fails after
    /// <paramref name="patience"/> saying what was awaited and what came.</summary>
    public async Task WaitAsync(Func<IReadOnlyList<T>, bool> condition, string what, TimeSpan? patience = null)
    {
        var limit = patience ?? Eventually.DefaultPatience;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (condition(items)) return;
            waiters.Add((condition, done));
        }
        try
        {
            await done.Task.WaitAsync(limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Waited {limit.TotalSeconds:0.#} s for {what}; received: {string.Join(", ", Items.TakeLast(20))}.");
        }
    }
}
