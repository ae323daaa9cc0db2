using System.Security.Cryptography;
using AngleSharp.Html.Parser;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Inference;

/// <summary>The catalog as a fresh install sees it: the real scanner over a models folder with the demo model and a broken one.</summary>
public sealed class ModelsFolderTests
{
    [Fact]
    public async Task The_demo_model_is_listed_with_its_real_hash_and_a_broken_folder_shows_its_error_without_server_paths()
    {
        var root = HubPaths.RepositoryRoot() ?? throw new InvalidOperationException("Run the tests from a checkout.");
        var models = Directory.CreateTempSubdirectory("hub-models-").FullName;
        try
        {
            CopyFolder(Path.Combine(root, "models", "demo-qwen2"), Path.Combine(models, "demo-qwen2"));
            Directory.CreateDirectory(Path.Combine(models, "half-copied"));
            File.WriteAllText(Path.Combine(models, "half-copied", "config.json"), "{\"model_type\": \"llama\"}");
            // Complete but for weights that are not an ONNX file.
            CopyFolder(Path.Combine(root, "models", "demo-qwen2"), Path.Combine(models, "corrupt"));
            File.WriteAllBytes(Path.Combine(models, "corrupt", "onnx", "model.onnx"), new byte[4096]);

            await using var server = await HubServer.StartAsync(nameof(ModelsFolderTests), settings: new Dictionary<string, string?>
            {
                ["Inference:ModelsPath"] = models,
            });
            var html = await server.Client().GetStringAsync("/models");
            var page = new HtmlParser().ParseDocument(html);

            var demo = page.QuerySelector("tr[data-model='demo-qwen2']") ?? throw new Xunit.Sdk.XunitException("The demo model is not listed:\n" + html);
            Assert.Equal("Demo model", demo.QuerySelector("[data-testid=demo-badge]")?.TextContent);
            var expected = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(models, "demo-qwen2", "onnx", "model.onnx"))));
            Assert.Equal(expected, demo.QuerySelector("[data-testid=sha256]")?.TextContent);
            Assert.Contains("cpu", demo.TextContent, StringComparison.Ordinal);
            Assert.Null(demo.QuerySelector("[data-testid=model-error]"));

            var broken = page.QuerySelector("tr[data-model='half-copied']") ?? throw new Xunit.Sdk.XunitException("The broken folder is not listed:\n" + html);
            var error = broken.QuerySelector("[data-testid=model-error]")?.TextContent ?? "";
            Assert.NotEqual("", error.Trim());
            var corrupt = page.QuerySelector("tr[data-model='corrupt'] [data-testid=model-error]")?.TextContent ?? "";
            Assert.Contains("onnx/model.onnx: The file is not an ONNX", corrupt, StringComparison.Ordinal);
            // The page is public: the error names the folder, not where the server keeps it.
            Assert.DoesNotContain(models, html, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(models, recursive: true);
        }
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
