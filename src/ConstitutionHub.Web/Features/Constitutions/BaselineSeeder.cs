using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Web.Features.Constitutions;

/// <summary>On a fresh database, adds the baseline constitution so a new user has something real to explore.</summary>
public sealed class BaselineSeeder(ConstitutionQueries queries, ConstitutionCommands commands, IConfiguration configuration,
    ILogger<BaselineSeeder> logger) : IHostedService
{
    public const string Slug = "baseline";

    // A fixed command id: two nodes starting at once on an empty database seed it once.
    private static readonly Guid SeedCommand = Guid.Parse("6f1d2b0e-7a53-4c43-9d4c-2f8e1a0b5c11");

    public async Task StartAsync(CancellationToken ct)
    {
        if (!configuration.GetValue("Hub:SeedBaseline", true)) return;
        if (await queries.CountAsync(ct) > 0) return;
        try
        {
            await commands.CreateAsync(Actor.System, new CreateConstitution(Slug, "Baseline constitution",
                "A starting point written by the ConstitutionHub team: honesty, curiosity, care, and how to refuse, with variants to try.",
                Visibility.Public, BaselineText(), "Baseline constitution"), SeedCommand, ct);
            logger.LogInformation("Added the baseline constitution at /c/{Slug}", Slug);
        }
        catch (ValidationException) when (!ct.IsCancellationRequested)
        {
            // Another node seeded it between our count and our append.
            if (await queries.BySlugAsync(Slug, ct) is null) throw;
        }
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    public static string BaselineText()
    {
        using var stream = typeof(BaselineSeeder).Assembly.GetManifestResourceStream("ConstitutionHub.Web.baseline-constitution.md")
            ?? throw new InvalidOperationException("The baseline constitution is not embedded in the build.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
