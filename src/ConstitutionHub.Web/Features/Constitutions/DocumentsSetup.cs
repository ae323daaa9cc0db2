using ConstitutionHub.Core.Documents;

namespace ConstitutionHub.Web.Features.Constitutions;

public static class DocumentsSetup
{
    public static WebApplicationBuilder AddDocuments(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ConstitutionQueries>();
        services.AddSingleton<Core.Activity.ActivityQueries>();
        services.AddSingleton<ConstitutionCommands>();
        services.AddSingleton<MembershipCommands>();
        services.AddSingleton<RenderCache>();
        services.AddScoped<ConstitutionPages>();
        services.AddHostedService<BaselineSeeder>();
        services.AddMemoryCache();
        return builder;
    }
}
