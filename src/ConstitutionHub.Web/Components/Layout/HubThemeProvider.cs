using System.Collections.Concurrent;
using System.Text;
using MudBlazor;

namespace ConstitutionHub.Web.Components.Layout;

/// <summary>
/// MudThemeProvider with the theme's CSS variables generated once per theme and mode, not on every render of every
/// page: the text is about 20 KB of colour arithmetic and formatting, and the theme (HubTheme) never changes while the
/// app runs. The output is byte for byte the provider's own, so the policy's style hashes (ThemeStyleHashes) match it.
/// </summary>
public sealed class HubThemeProvider : MudThemeProvider
{
    private static readonly ConcurrentDictionary<(MudTheme Theme, bool Dark), string> Generated = new();

    protected override void GenerateTheme(StringBuilder theme)
    {
        if (Theme is not { } current)
        {
            base.GenerateTheme(theme);
            return;
        }
        // MUD0010 guards against reading a parameter the component may have changed itself; this provider's dark mode
        // only ever comes from MainLayout's parameter (it does not observe the system itself), so the property is current.
#pragma warning disable MUD0010
        var dark = IsDarkMode;
#pragma warning restore MUD0010
        theme.Append(Generated.GetOrAdd((current, dark), _ =>
        {
            var css = new StringBuilder();
            base.GenerateTheme(css);
            return css.ToString();
        }));
    }
}
