using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Runtime;
using ConstitutionHub.Inference.Tests.Generation;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Runtime;

/// <summary>
/// Runs the demo model on a CUDA device: the KV cache stays on the device between passes (and through batch changes),
/// and greedy output equals the CPU's. Skipped, with the reason printed, where CUDA is not usable.
/// </summary>
public sealed class CudaSmokeTests
{
    [Fact]
    public async Task The_demo_model_generates_on_cuda_as_it_does_on_the_cpu()
    {
        var unavailable = ExecutionProviders.CudaUnavailableReason();
        Assert.SkipWhen(unavailable is not null, $"no usable CUDA device here: {unavailable}");

        string folder = Golden.Path("models", "demo-qwen2");
        using var gpu = LocalChatModel.Load(folder, new InferenceOptions { ExecutionProvider = "cuda" });
        using var cpu = LocalChatModel.Load(folder, new InferenceOptions());
        Assert.Equal("cuda", gpu.Info.ExecutionProvider);
        ChatMessage[] hello = [new("user", "What is this constitution about?")];
        var prompt = gpu.EncodePrompt(gpu.RenderPrompt(hello));

        var (_, onCpu) = TestModels.Run(cpu, prompt, SamplingSettings.Greedy(24));
        var (_, onGpu) = TestModels.Run(gpu, prompt, SamplingSettings.Greedy(24));
        Assert.Equal(onCpu, onGpu);

        // Several at once through one batch on the device.
        var replies = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            TestModels.CollectAsync(gpu.StreamTokensAsync(prompt, SamplingSettings.Greedy(24), default))));
        Assert.All(replies, r => Assert.Equal(onCpu.Count, r[^1].CompletionTokens));
    }
}
