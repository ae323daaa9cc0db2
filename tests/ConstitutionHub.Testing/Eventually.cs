using System.Diagnostics;

namespace ConstitutionHub.Testing;

/// <summary>
/// The one way these tests wait for a state they cannot be told about (a database row, a scheduler's load): ask
/// again, with a short growing pause, until it holds or the patience runs out, then fail saying what was awaited and
/// what was last seen. Where an event exists (a SignalR message, a subscription), wait on it instead.
/// </summary>
public static class Eventually
{
    /// <summary>Generous: these tests share a loaded machine; a passing wait returns as soon as the state holds.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(30);

    public static Task<T> GetAsync<T>(Func<T> probe, Func<T, bool> done, string what, TimeSpan? patience = null) =>
        GetAsync(() => Task.FromResult(probe()), done, what, patience);

    /// <summary>The first value of <paramref name="probe"/> that is <paramref name="done"/>.</summary>
    public static async Task<T> GetAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? patience = null)
    {
        var limit = patience ?? DefaultPatience;
        var clock = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (clock.Elapsed > limit) throw new TimeoutException($"Waited {limit.TotalSeconds:0.#} s for {what}; last seen: {Clip(value?.ToString())}.");
            await Task.Delay(pause);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(100).Ticks));
        }
    }

    private static string Clip(string? s) => s is null ? "null" : s.Length <= 500 ? s : s[..500] + "…";

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? patience = null) =>
        GetAsync(condition, ok => ok, what, patience);

    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? patience = null) =>
        GetAsync(condition, ok => ok, what, patience);
}
