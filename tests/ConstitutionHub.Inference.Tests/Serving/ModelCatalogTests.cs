using ConstitutionHub.Inference.Serving;

namespace ConstitutionHub.Inference.Tests.Serving;

public sealed class ModelCatalogTests
{
    /// <summary>Stands in for the local ONNX scanner, which lives in the engine and needs model files on disk.</summary>
    private sealed class FixedScanner(params LoadedModel[] models) : ILocalModelScanner
    {
        public IReadOnlyList<LoadedModel> Scan(InferenceOptions options) => models;
    }

    private static LoadedModel Local(string id, bool demo = false) => new(new GateModel(id, demo).Info, new GateModel(id, demo));

    private static LoadedModel Broken(string id, bool demo = false) =>
        new(new ModelInfo(id, id, "qwen2", 1, 512, "", "cpu", demo, "model.onnx is missing"), null);

    private static ModelCatalog Catalog(ILocalModelScanner? scanner, params RemoteModelOptions[] remote)
    {
        var options = new InferenceOptions { Remote = [.. remote] };
        // Remote models are not contacted at start, so the real client is used here.
        return new ModelCatalog(options, new GenerationScheduler(options), scanner);
    }

    [Fact]
    public void The_default_model_is_the_first_available_demo_model()
    {
        var catalog = Catalog(new FixedScanner(Local("big"), Broken("broken-demo", demo: true), Local("demo", demo: true)));

        Assert.Equal("demo", catalog.DefaultModelId);
        Assert.IsType<ScheduledChatClient>(catalog.Find("big"));
    }

    [Fact]
    public void Without_a_demo_model_the_default_is_the_first_available_and_with_none_there_is_no_default()
    {
        Assert.Equal("second", Catalog(new FixedScanner(Broken("first"), Local("second"))).DefaultModelId);
        Assert.Null(Catalog(new FixedScanner(Broken("first"))).DefaultModelId);
        Assert.Null(Catalog(null).DefaultModelId);
        Assert.Empty(Catalog(null).Models);
    }

    [Fact]
    public void A_broken_model_keeps_its_entry_with_its_error_and_cannot_be_run()
    {
        var catalog = Catalog(new FixedScanner(Broken("broken"), Local("fine")));

        var broken = Assert.Single(catalog.Models, m => m.Id == "broken");
        Assert.Equal("model.onnx is missing", broken.Error);
        Assert.Null(catalog.Find("broken"));
        Assert.NotNull(catalog.Find("fine"));
        Assert.Null(catalog.Find("unknown"));
    }

    [Fact]
    public void A_second_model_with_the_same_id_becomes_an_error_entry()
    {
        var catalog = Catalog(new FixedScanner(Local("same")), new RemoteModelOptions { Id = "same", Endpoint = "http://127.0.0.1:9/v1" });

        Assert.Equal(2, catalog.Models.Count);
        Assert.True(catalog.Models[0].IsAvailable);
        Assert.Contains("already uses the id 'same'", catalog.Models[1].Error, StringComparison.Ordinal);
        Assert.Equal("cpu", Assert.IsType<ScheduledChatClient>(catalog.Find("same")).Info.ExecutionProvider);
    }

    [Theory]
    [InlineData("", "http://h/v1", "Inference:Remote:0:Id")]
    [InlineData("has space", "http://h/v1", "Inference:Remote:0:Id")]
    [InlineData("ok", "gpu-worker:8000/v1", "Inference:Remote:0:Endpoint")]
    [InlineData("ok", "ftp://h/v1", "Inference:Remote:0:Endpoint")]
    [InlineData("ok", "/v1", "Inference:Remote:0:Endpoint")]
    public void Invalid_remote_settings_become_an_error_naming_the_setting(string id, string endpoint, string setting)
    {
        var catalog = Catalog(null, new RemoteModelOptions { Id = id, Endpoint = endpoint });

        var entry = Assert.Single(catalog.Models);
        Assert.StartsWith(setting, entry.Error, StringComparison.Ordinal);
        Assert.Null(catalog.DefaultModelId);
    }

    [Fact]
    public void A_valid_remote_model_is_listed_as_remote_and_runnable()
    {
        var catalog = Catalog(null, new RemoteModelOptions { Id = "worker/llama:8b", Endpoint = "https://gpu-worker:8000/v1", RemoteModel = "meta-llama/Llama-3.1-8B", ContextLength = 8192 });

        var entry = Assert.Single(catalog.Models);
        Assert.Null(entry.Error);
        Assert.Equal(("remote", 8192, false), (entry.ExecutionProvider, entry.ContextLength, entry.IsDemo));
        Assert.Equal("meta-llama/Llama-3.1-8B at gpu-worker:8000", entry.DisplayName);
        Assert.Equal("worker/llama:8b", catalog.DefaultModelId);
        Assert.NotNull(catalog.Find("worker/llama:8b"));
    }
}
