using MudBlazor;

namespace ConstitutionHub.Web.Components.Layout;

/// <summary>
/// The one palette and type scale of the app, light and dark. Everything else (site.css, the share page, the editor's
/// frame) reads these through MudBlazor's CSS variables (--mud-palette-*, --mud-typography-*), so a colour changes here.
/// </summary>
public static class HubTheme
{
    private static readonly string[] Sans = ["Inter", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3547d8",
            Secondary = "#6d3fd1",
            Tertiary = "#00796b",
            Success = "#1b7f3b",
            Info = "#0b63a8",
            Warning = "#9a5b00",
            Error = "#c62828",
            Background = "#f7f7fb",
            Surface = "#ffffff",
            AppbarBackground = "#ffffff",
            AppbarText = "#1c1e26",
            DrawerBackground = "#f7f7fb",
            DrawerText = "#1c1e26",
            TextPrimary = "#1c1e26",
            TextSecondary = "#545868",
            LinesDefault = "#e2e3ea",
            Divider = "#e2e3ea",
            TableLines = "#e2e3ea",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#9aa8ff",
            Secondary = "#c3a6ff",
            Tertiary = "#6fd3c4",
            Success = "#6fcf8a",
            Info = "#7cc0f5",
            Warning = "#f2b860",
            Error = "#ff8a80",
            Background = "#14151b",
            Surface = "#1c1d25",
            AppbarBackground = "#1c1d25",
            AppbarText = "#e8e9f0",
            DrawerBackground = "#14151b",
            DrawerText = "#e8e9f0",
            TextPrimary = "#e8e9f0",
            TextSecondary = "#a9adbd",
            LinesDefault = "#2e3040",
            Divider = "#2e3040",
            TableLines = "#2e3040",
            PrimaryContrastText = "#0d1033",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Sans, FontSize = ".9375rem", LineHeight = "1.55", LetterSpacing = "normal" },
            H1 = new H1Typography { FontFamily = Sans, FontSize = "2rem", FontWeight = "700", LineHeight = "1.2", LetterSpacing = "-.01em" },
            H2 = new H2Typography { FontFamily = Sans, FontSize = "1.5rem", FontWeight = "650", LineHeight = "1.25", LetterSpacing = "-.005em" },
            H3 = new H3Typography { FontFamily = Sans, FontSize = "1.25rem", FontWeight = "600", LineHeight = "1.3", LetterSpacing = "normal" },
            H4 = new H4Typography { FontFamily = Sans, FontSize = "1.125rem", FontWeight = "600", LineHeight = "1.35", LetterSpacing = "normal" },
            H5 = new H5Typography { FontFamily = Sans, FontSize = "1rem", FontWeight = "600", LineHeight = "1.4", LetterSpacing = "normal" },
            H6 = new H6Typography { FontFamily = Sans, FontSize = ".9375rem", FontWeight = "600", LineHeight = "1.4", LetterSpacing = "normal" },
            Button = new ButtonTypography { FontFamily = Sans, FontSize = ".875rem", FontWeight = "600", LineHeight = "1.75", LetterSpacing = ".01em", TextTransform = "none" },
            Body1 = new Body1Typography { FontFamily = Sans, FontSize = ".9375rem", LineHeight = "1.55" },
            Body2 = new Body2Typography { FontFamily = Sans, FontSize = ".875rem", LineHeight = "1.5" },
            Caption = new CaptionTypography { FontFamily = Sans, FontSize = ".8125rem", LineHeight = "1.45" },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "232px" },
    };
}
