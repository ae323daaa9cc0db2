namespace ConstitutionHub.Web.Components.Layout;

/// <summary>
/// Light, dark or the system's setting, remembered in a cookie so the first paint of every page already has it (a
/// per-person store comes with the people document). The browser module js/hub.js writes the cookie.
/// </summary>
public static class ThemeChoice
{
    public const string CookieName = "hub.theme";
    public const string Light = "light";
    public const string Dark = "dark";
    public const string System = "system";

    public static string Parse(string? value) => value is Light or Dark ? value : System;
}
