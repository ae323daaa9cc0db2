using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Inference;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>Sampling settings as a form edits them; defaults are the engine's.</summary>
public sealed class SamplingForm
{
    private static readonly SamplingSettings Defaults = new();

    public double Temperature { get; set; } = Defaults.Temperature;
    public int TopK { get; set; } = Defaults.TopK;
    public double TopP { get; set; } = Defaults.TopP;
    public double MinP { get; set; } = Defaults.MinP;
    public double RepetitionPenalty { get; set; } = Defaults.RepetitionPenalty;
    public int MaxNewTokens { get; set; } = Defaults.MaxNewTokens;
    public long? Seed { get; set; }

    /// <summary>The record to store, after the engine's own checks (which are narrower than what a transcript
    /// may record), so a chat never starts with settings its first reply would refuse.</summary>
    public SamplingRecord ToRecord()
    {
        var settings = new SamplingSettings(Temperature, TopK, TopP, MinP, RepetitionPenalty, MaxNewTokens, Seed);
        try
        {
            settings.Validate();
        }
        catch (InferenceException e)
        {
            throw new ValidationException($"sampling.{e.Field}", e.Message);
        }
        return new SamplingRecord(Temperature, TopK, TopP, MinP, RepetitionPenalty, MaxNewTokens, Seed, []);
    }

    public static SamplingForm From(SamplingRecord r) => new()
    {
        Temperature = r.Temperature, TopK = r.TopK, TopP = r.TopP, MinP = r.MinP, RepetitionPenalty = r.RepetitionPenalty,
        MaxNewTokens = r.MaxNewTokens, Seed = r.Seed,
    };
}

public static class ModelRecords
{
    /// <summary>A local model by its weights' hash; a remote one by its server (without credentials or query) and the model id there.</summary>
    public static ModelRecord From(ModelInfo info) => info.Endpoint is { } endpoint
        ? new(info.Id, "", info.ExecutionProvider, PublicEndpoint(endpoint), info.RemoteModel ?? info.Id)
        : new(info.Id, info.WeightsSha256, info.ExecutionProvider);

    private static string PublicEndpoint(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : endpoint;
}
