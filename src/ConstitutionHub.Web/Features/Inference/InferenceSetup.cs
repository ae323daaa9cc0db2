using ConstitutionHub.Inference;
using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Serving;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ConstitutionHub.Web.Infrastructure;

namespace ConstitutionHub.Web.Features.Inference;

/// <summary>
/// Models and their serving: options from the "Inference" section, one scheduler shared by all models, the
/// catalog, and the API keys of the /v1 surface. Local ONNX models come from
/// the <see cref="OnnxModelScanner"/> over the models folder; remote ones from the configuration.
/// </summary>
public static class InferenceSetup
{
    public static WebApplicationBuilder AddInference(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(InferenceOptions.Section).Get<InferenceOptions>() ?? new InferenceOptions();
        options.ModelsPath = ResolveModelsPath(options.ModelsPath, builder.Environment.ContentRootPath);
        // Settings that would refuse every request fail here, at start, naming the setting.
        GenerationScheduler.Validate(options);
        var keys = ApiKeyRing.From(builder.Configuration.GetSection(ApiKeyRing.Section));

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(keys);
        builder.Services.AddSingleton<GenerationScheduler>();
        // TryAdd: a host may bring its own scanner or catalog (tests do, to control timing).
        builder.Services.TryAddSingleton<ILocalModelScanner>(_ => new OnnxModelScanner());
        builder.Services.TryAddSingleton<IModelCatalog>(services => new ModelCatalog(options,
            services.GetRequiredService<GenerationScheduler>(), services.GetService<ILocalModelScanner>()));
        return builder;
    }

    /// <summary>A relative models folder is taken from the repository root when running from a checkout, else the content root.</summary>
    public static string ResolveModelsPath(string path, string contentRoot)
    {
        if (string.IsNullOrWhiteSpace(path)) path = "models";
        return Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Combine(HubPaths.RepositoryRoot() ?? contentRoot, path));
    }
}
