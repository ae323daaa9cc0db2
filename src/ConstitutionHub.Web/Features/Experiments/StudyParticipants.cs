using System.Threading.RateLimiting;

namespace ConstitutionHub.Web.Features.Experiments;

/// <summary>
/// Anonymous participants of a study link: a pseudonymous id in a cookie of its own (random, not tied to anything
/// else), and a limit on votes per address, shared by the study page's circuit and the HTTP endpoint.
/// <c>Experiments:StudyVotesPerMinute</c> (default 60) is that limit.
/// </summary>
public sealed class StudyParticipants(IConfiguration configuration) : IDisposable
{
    public const string CookieName = "hub-study-participant";

    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(address =>
        RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = configuration.GetValue("Experiments:StudyVotesPerMinute", 60), Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        }));

    /// <summary>The voter id of a participant: never an account id, so votes through a link stay apart from people's own.</summary>
    public static string Voter(Guid participant) => $"participant:{participant:N}";

    public static Guid? Read(HttpContext context) =>
        Guid.TryParseExact(context.Request.Cookies[CookieName], "N", out var id) ? id : null;

    /// <summary>The participant of this browser, made on its first visit.</summary>
    public static Guid Ensure(HttpContext context)
    {
        if (Read(context) is { } known) return known;
        var id = Guid.NewGuid();
        context.Response.Cookies.Append(CookieName, id.ToString("N"), new CookieOptions
        {
            HttpOnly = true, Secure = context.Request.IsHttps, SameSite = SameSiteMode.Lax, Path = "/study", MaxAge = TimeSpan.FromDays(365),
            IsEssential = true,
        });
        return id;
    }

    public static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>Takes one vote from <paramref name="address"/>'s allowance; false when it is spent for this minute.</summary>
    public bool TryVote(string address)
    {
        using var lease = limiter.AttemptAcquire(address);
        return lease.IsAcquired;
    }

    public void Dispose() => limiter.Dispose();
}
