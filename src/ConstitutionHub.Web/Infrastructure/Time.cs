using System.Globalization;

namespace ConstitutionHub.Web.Infrastructure;

public static class Time
{
    public static string Ago(DateTimeOffset when, DateTimeOffset? now = null)
    {
        var span = (now ?? DateTimeOffset.UtcNow) - when;
        return span.TotalSeconds < 60 ? "just now"
            : span.TotalMinutes < 60 ? $"{(int)span.TotalMinutes} min ago"
            : span.TotalHours < 24 ? $"{(int)span.TotalHours} h ago"
            : span.TotalDays < 30 ? $"{(int)span.TotalDays} d ago"
            : when.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
    }

    public static string Exact(DateTimeOffset when) => when.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Delta(int bytes) => bytes switch { > 0 => $"+{bytes:N0}", 0 => "±0", _ => $"{bytes:N0}" };
}
