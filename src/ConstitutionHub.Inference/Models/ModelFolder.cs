using System.Text.Json;
using ConstitutionHub.Inference.Templates;
using ConstitutionHub.Inference.Tokenization;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// A model folder in the Hugging Face / Optimum / transformers.js layout, checked before anything is loaded:
/// config.json, generation_config.json (optional), tokenizer.json, tokenizer_config.json, onnx/*.onnx and an optional
/// constitutionhub.json {"file", "displayName", "demo"}. Model files are untrusted: no links anywhere in the folder,
/// size caps, and external weight files that stay inside the folder.
/// </summary>
public sealed class ModelFolder
{
    /// <summary>The weights file used when constitutionhub.json does not name one: the first present, in this order.</summary>
    public static readonly IReadOnlyList<string> WeightsOrder = ["model.onnx", "model_fp16.onnx", "model_q4.onnx", "model_int8.onnx"];

    private ModelFolder(string path) => FolderPath = path;

    public string FolderPath { get; }

    /// <summary>The folder name: the model's id in the catalog.</summary>
    public string Id => System.IO.Path.GetFileName(FolderPath);

    public string DisplayName { get; private init; } = "";
    public bool IsDemo { get; private init; }
    public string WeightsPath { get; private init; } = "";
    public ModelConfig Config { get; private init; } = null!;
    public Tokenizer Tokenizer { get; private init; } = null!;
    public TokenizerConfig TokenizerConfig { get; private init; } = null!;
    public ChatTemplate ChatTemplate { get; private init; } = null!;
    public OnnxFileFacts Facts { get; private init; } = null!;
    public string WeightsSha256 { get; private init; } = "";

    /// <summary>
    /// The files the checks above read, relative to the folder with '/' separators: the JSON files present, the weights
    /// and their external data. What a download of the folder holds; anything else in the folder was never checked.
    /// </summary>
    public IReadOnlyList<string> Files { get; private init; } = [];

    /// <summary>The JSON files a model folder may hold, each read under the size cap.</summary>
    private static readonly string[] JsonFiles = ["config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "constitutionhub.json"];

    /// <summary>Checks and reads the folder; throws <see cref="ModelFolderException"/> with a message naming the file at fault.</summary>
    /// <param name="weightsFile">A weights file to use instead of the folder's choice (e.g. "onnx/model_fp16.onnx").</param>
    public static ModelFolder Open(string folder, ModelFolderLimits limits, string? weightsFile = null)
    {
        string root = System.IO.Path.GetFullPath(folder);
        RejectLinks(root, limits);

        var settings = ReadSettings(root, limits);
        string weights = ChooseWeights(root, weightsFile ?? settings.File);
        long weightsBytes = new FileInfo(weights).Length;
        if (weightsBytes > limits.MaxWeightsBytes)
        {
            throw new ModelFolderException($"{Relative(root, weights)} is {weightsBytes:N0} bytes, over the limit of {limits.MaxWeightsBytes:N0}.");
        }

        OnnxFileFacts facts;
        try
        {
            facts = OnnxProtoWalker.Read(weights);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFolderException($"{Relative(root, weights)}: {e.Message}", e);
        }
        long total = weightsBytes;
        var files = new List<string> { Relative(root, weights) };
        foreach (string location in facts.ExternalDataLocations.Distinct(StringComparer.Ordinal))
        {
            string data = ResolveExternalData(root, weights, location);
            if (!files.Contains(Relative(root, data))) files.Add(Relative(root, data));
            total += new FileInfo(data).Length;
            if (total > limits.MaxWeightsBytes)
            {
                throw new ModelFolderException($"The weights of {Relative(root, weights)} with their external data exceed the limit of {limits.MaxWeightsBytes:N0} bytes.");
            }
        }

        var config = ModelConfig.Parse(ReadJson(root, "config.json", limits, required: true)!, ReadJson(root, "generation_config.json", limits, required: false));
        string tokenizerJson = ReadJson(root, "tokenizer.json", limits, required: true)!;
        string? tokenizerConfigJson = ReadJson(root, "tokenizer_config.json", limits, required: false);
        Tokenizer tokenizer;
        TokenizerConfig tokenizerConfig;
        ChatTemplate template;
        try
        {
            tokenizer = Tokenizer.FromJson(tokenizerJson, tokenizerConfigJson);
            tokenizerConfig = TokenizerConfig.Parse(tokenizerConfigJson ?? "{}");
        }
        catch (Exception e) when (e is TokenizerException or JsonException)
        {
            throw new ModelFolderException($"tokenizer: {e.Message}", e);
        }
        string templateSource = tokenizerConfig.ChatTemplate
            ?? throw new ModelFolderException("tokenizer_config.json has no chat_template (a string, or a list with an entry named \"default\").");
        try
        {
            template = ChatTemplate.Parse(templateSource);
        }
        catch (Exception e) when (e is TemplateException)
        {
            throw new ModelFolderException($"tokenizer_config.json chat_template: {e.Message}", e);
        }

        return new ModelFolder(root)
        {
            DisplayName = string.IsNullOrWhiteSpace(settings.DisplayName) ? System.IO.Path.GetFileName(root) : settings.DisplayName!,
            IsDemo = settings.Demo,
            WeightsPath = weights,
            Config = config,
            Tokenizer = tokenizer,
            TokenizerConfig = tokenizerConfig,
            ChatTemplate = template,
            Facts = facts,
            WeightsSha256 = WeightsHash.Compute(weights),
            // Every JSON file present was read under the cap above (ReadJson), the required ones included.
            Files = [.. JsonFiles.Where(name => File.Exists(System.IO.Path.Combine(root, name))), .. files],
        };
    }

    private sealed record Settings(string? File, string? DisplayName, bool Demo);

    private static Settings ReadSettings(string root, ModelFolderLimits limits)
    {
        string? json = ReadJson(root, "constitutionhub.json", limits, required: false);
        if (json is null) return new Settings(null, null, false);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object) throw new ModelFolderException("constitutionhub.json must be a JSON object.");
            string? Str(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            bool demo = r.TryGetProperty("demo", out var d) && d.ValueKind == JsonValueKind.True;
            return new Settings(Str("file"), Str("displayName"), demo);
        }
        catch (JsonException e)
        {
            throw new ModelFolderException($"constitutionhub.json is not valid JSON: {e.Message}", e);
        }
    }

    private static string ChooseWeights(string root, string? named)
    {
        string onnx = System.IO.Path.Combine(root, "onnx");
        if (named is not null)
        {
            // A bare name means onnx/<name>; a relative path must stay inside the folder.
            string candidate = named.Contains('/') ? named : "onnx/" + named;
            string full = Inside(root, candidate, "constitutionhub.json \"file\"");
            if (!File.Exists(full)) throw new ModelFolderException($"constitutionhub.json names {candidate}, which does not exist.");
            return full;
        }
        foreach (string name in WeightsOrder)
        {
            string full = System.IO.Path.Combine(onnx, name);
            if (File.Exists(full)) return full;
        }
        throw new ModelFolderException($"No weights: expected one of {string.Join(", ", WeightsOrder.Select(n => "onnx/" + n))}.");
    }

    /// <summary>external_data "location" is relative to the .onnx file; it must name a plain file inside the model folder.</summary>
    internal static string ResolveExternalData(string root, string weights, string location)
    {
        if (location.Length == 0 || System.IO.Path.IsPathRooted(location) || location.Contains('\\') || location.Contains('\0') ||
            location.Split('/').Any(part => part == ".."))
        {
            throw new ModelFolderException($"{Relative(root, weights)} refers to external data at \"{location}\": only relative paths inside the model folder are allowed.");
        }
        string baseDir = System.IO.Path.GetDirectoryName(weights)!;
        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, location));
        if (!full.StartsWith(root + System.IO.Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ModelFolderException($"{Relative(root, weights)} refers to external data outside the model folder (\"{location}\").");
        }
        var info = new FileInfo(full);
        if (!info.Exists) throw new ModelFolderException($"{Relative(root, weights)} refers to external data \"{location}\", which does not exist.");
        if (info.LinkTarget is not null) throw new ModelFolderException($"External data \"{location}\" is a link; links are not allowed in a model folder.");
        return full;
    }

    /// <summary>A link anywhere in the folder (symbolic or hard) could make a checked path read something else later; refuse them all.</summary>
    private static void RejectLinks(string root, ModelFolderLimits limits)
    {
        var rootInfo = new DirectoryInfo(root);
        if (!rootInfo.Exists) throw new ModelFolderException($"{root} is not a folder.");
        if (rootInfo.LinkTarget is not null) throw new ModelFolderException($"{root} is a link; links are not allowed in a model folder.");
        int seen = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var entry in rootInfo.EnumerateFileSystemInfos("*", options))
        {
            if (++seen > limits.MaxEntries) throw new ModelFolderException($"The folder holds more than {limits.MaxEntries} entries.");
            if (entry.LinkTarget is not null || entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                throw new ModelFolderException($"{Relative(root, entry.FullName)} is a link; links are not allowed in a model folder.");
            }
            if (entry is FileInfo && LinkCount.Of(entry.FullName) is > 1 and var links)
            {
                throw new ModelFolderException(
                    $"{Relative(root, entry.FullName)} has {links} hard links; a model folder's files must have one name only (copy the file instead of linking it).");
            }
        }
    }

    private static string? ReadJson(string root, string name, ModelFolderLimits limits, bool required)
    {
        string path = System.IO.Path.Combine(root, name);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return required ? throw new ModelFolderException($"{name} is missing.") : null;
        }
        if (info.Length > limits.MaxJsonBytes)
        {
            throw new ModelFolderException($"{name} is {info.Length:N0} bytes, over the limit of {limits.MaxJsonBytes:N0}.");
        }
        return File.ReadAllText(path);
    }

    private static string Inside(string root, string relative, string what)
    {
        if (System.IO.Path.IsPathRooted(relative) || relative.Split('/').Any(p => p == ".."))
        {
            throw new ModelFolderException($"{what} must be a path inside the model folder, not \"{relative}\".");
        }
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(root, relative));
    }

    private static string Relative(string root, string path) =>
        System.IO.Path.GetRelativePath(root, path).Replace(System.IO.Path.DirectorySeparatorChar, '/');
}

/// <summary>A model folder that cannot be used, with a message that names the file and the problem.</summary>
public sealed class ModelFolderException(string message, Exception? inner = null) : Exception(message, inner);
