using Microsoft.JSInterop;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// A component's JavaScript module, imported on first use and disposed with the component. A reader can leave a page
/// while one of its calls is on the way (a render's after-render step awaiting the browser): the module is then
/// disposed under the call, which would end the circuit with an ObjectDisposedException. Calls made or finishing after
/// <see cref="DisposeAsync"/> are dropped instead: the page they would draw on is gone.
/// </summary>
public sealed class PageScript(IJSRuntime js, string path) : IAsyncDisposable
{
    private Task<IJSObjectReference>? module;
    private bool disposed;

    /// <summary>Whether the component has gone; its after-render work should stop.</summary>
    public bool Disposed => disposed;

    /// <summary>Calls <paramref name="identifier"/>; false when the component went meanwhile (nothing was done, or it no longer matters).</summary>
    public async Task<bool> InvokeVoidAsync(string identifier, params object?[] args)
    {
        try
        {
            if (await ModuleAsync() is not { } m) return false;
            await m.InvokeVoidAsync(identifier, args);
            return !disposed;
        }
        catch (Exception e) when (disposed && IsGone(e))
        {
            return false;
        }
    }

    /// <summary>Calls <paramref name="identifier"/> for its answer; default when the component went meanwhile.</summary>
    public async Task<T?> InvokeAsync<T>(string identifier, params object?[] args)
    {
        try
        {
            if (await ModuleAsync() is not { } m) return default;
            var answer = await m.InvokeAsync<T>(identifier, args);
            return disposed ? default : answer;
        }
        catch (Exception e) when (disposed && IsGone(e))
        {
            return default;
        }
    }

    /// <summary>Runs the module's clean-up <paramref name="identifier"/> (if it was ever imported), then disposes it.</summary>
    public async ValueTask DisposeAsync(string? identifier, params object?[] args)
    {
        if (disposed) return;
        disposed = true;
        if (module is null) return;
        try
        {
            var m = await module;
            if (identifier is not null) await m.InvokeVoidAsync(identifier, args);
            await m.DisposeAsync();
        }
        catch (Exception e) when (IsGone(e))
        {
            // The browser is gone with its circuit, or the import never finished: nothing is left to clean up there.
        }
    }

    public ValueTask DisposeAsync() => DisposeAsync(null);

    private async Task<IJSObjectReference?> ModuleAsync()
    {
        if (disposed) return null;
        // One import, however many renders ask at once.
        module ??= js.InvokeAsync<IJSObjectReference>("import", path).AsTask();
        var m = await module;
        return disposed ? null : m;
    }

    private static bool IsGone(Exception e) => e is JSDisconnectedException or ObjectDisposedException or TaskCanceledException or JSException;
}
