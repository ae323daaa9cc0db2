using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Web.Features.Constitutions;
using ConstitutionHub.Web.Infrastructure.Nodes;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConstitutionHub.Web.Features.Annotations;

public static class AnnotationsSetup
{
    public static WebApplicationBuilder AddAnnotations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AnnotationQueries>();
        services.AddSingleton<RevisionTexts>();
        services.AddSingleton<AnnotationCommands>();
        services.AddNodeChannel(AnnotationFeed.Channel);
        services.AddSingleton<AnnotationFeed>();
        services.AddSingleton<AnnotationService>();
        services.AddSingleton<ThreadsHandoff>();
        services.AddHostedService<AnnotationCarrier>();
        services.AddSingleton<Research.ResearchReports>();
        return builder;
    }
}
