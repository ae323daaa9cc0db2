using System.Text.Json;
using System.Text.Json.Nodes;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Tests.Chats;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>Every training export validates against Schemas/training.schema.json (the critique export against
/// Schemas/critique.schema.json) and carries its provenance.</summary>
public sealed class TrainingExportsTests
{
    private static readonly Guid Constitution = Guid.NewGuid();
    private static readonly ExperimentCreated Experiment = new(Guid.NewGuid(), "E", Guid.NewGuid(), 3, ["q1", "q2"],
        [new Arm("A", "plain", Constitution, 1, Recipe.Default), new Arm("B", "strict", Constitution, 2, Recipe.Default)], 1, [],
        new JudgeSettings(null, false), new ExperimentCost(2, 2, 1, 4, 2, 4, 1024));

    private static readonly TrainingSource Source = new(Experiment,
        new Dictionary<string, PromptItem>
        {
            ["q1"] = new("q1", [new PromptTurn("user", "Hi")], []),
            ["q2"] = new("q2", [new PromptTurn("user", "Help?"), new PromptTurn("assistant", "Sure."), new PromptTurn("user", "Now?")], []),
        },
        new Dictionary<string, CompiledPrompt> { ["A"] = new("Constitution A", "hash-a", []), ["B"] = new("Constitution B", "hash-b", []) },
        [Output("A", "q1", "a1"), Output("B", "q1", "b1"), Output("A", "q2", "a2"), Output("B", "q2", "b2")],
        [Judgment("q1", "B", "B"), Judgment("q2", "A", "tie")]);

    private static OutputRow Output(string arm, string item, string text) =>
        new(arm, item, 0, 42, text, "demo-qwen2", arm == "A" ? "hash-a" : "hash-b", "stop", 5, 10, "node-a", 1, DateTimeOffset.UtcNow);

    private static JudgmentRow Judgment(string item, string first, string second) =>
        new("A", "B", item, 0, first, second, ExperimentJudge.Combine(first, second), "", [], "judge-model", "builtin", 1);

    [Theory]
    [InlineData(TrainingFormat.SftOpenAi, "sft-openai", 4)]
    [InlineData(TrainingFormat.SftTrl, "sft-trl", 4)]
    [InlineData(TrainingFormat.SelfDistillation, "sft-openai", 4)]
    [InlineData(TrainingFormat.Dpo, "dpo", 1)]
    public void Each_format_validates_against_its_schema(TrainingFormat format, string definition, int records)
    {
        var lines = Lines(TrainingExports.Jsonl(Source, new TrainingRequest(format, MinMargin: 1)));
        Assert.Equal(records, lines.Count);
        foreach (var line in lines)
        {
            using var instance = JsonDocument.Parse(line.ToJsonString());
            Assert.Empty(SchemaCheck.Errors(instance.RootElement, Schema(definition)));
        }
    }

    [Fact]
    public void The_schema_check_would_catch_a_malformed_record()
    {
        using var bad = JsonDocument.Parse("""{"prompt": [{"role": "robot", "content": "x"}], "chosen": [], "metadata": {}}""");
        var errors = SchemaCheck.Errors(bad.RootElement, Schema("dpo"));
        Assert.Contains(errors, e => e.Contains("missing 'rejected'"));
        Assert.Contains(errors, e => e.Contains("robot"));
        Assert.Contains(errors, e => e.Contains("missing 'experimentId'"));
    }

    [Fact]
    public void Sft_trains_under_the_compiled_constitution_and_distillation_under_the_plain_prompt()
    {
        var sft = Lines(TrainingExports.Jsonl(Source, new TrainingRequest(TrainingFormat.SftOpenAi, Arm: "B")));
        var distilled = Lines(TrainingExports.Jsonl(Source, new TrainingRequest(TrainingFormat.SelfDistillation, Arm: "B",
            PlainSystemPrompt: "You are a helpful assistant.")));
        var bare = Lines(TrainingExports.Jsonl(Source, new TrainingRequest(TrainingFormat.SelfDistillation, Arm: "B")));

        Assert.Equal("Constitution B", (string)sft[0]["messages"]![0]!["content"]!);
        Assert.Equal("You are a helpful assistant.", (string)distilled[0]["messages"]![0]!["content"]!);
        Assert.Equal("user", (string)bare[0]["messages"]![0]!["role"]!);
        Assert.Equal(["user", "assistant", "user", "assistant"], bare[1]["messages"]!.AsArray().Select(m => (string)m!["role"]!));
        Assert.Equal("b2", (string)bare[1]["messages"]![3]!["content"]!);
        Assert.Equal(("B", 2, "hash-b", 42L), ((string)sft[0]["metadata"]!["arm"]!, (int)sft[0]["metadata"]!["revision"]!,
            (string)sft[0]["metadata"]!["recipeHash"]!, (long)sft[0]["metadata"]!["seed"]!));
    }

    [Fact]
    public void Dpo_pairs_keep_only_verdicts_at_least_the_minimum_margin_apart_with_the_judge_named()
    {
        var firm = Lines(TrainingExports.Jsonl(Source, new TrainingRequest(TrainingFormat.Dpo, MinMargin: 1)));
        var loose = Lines(TrainingExports.Jsonl(Source, new TrainingRequest(TrainingFormat.Dpo, MinMargin: 0.5)));

        var pair = Assert.Single(firm);
        Assert.Equal(("b1", "a1"), ((string)pair["chosen"]![0]!["content"]!, (string)pair["rejected"]![0]!["content"]!));
        Assert.Equal(("B", "A", "judge-model / builtin r1", 1.0), ((string)pair["metadata"]!["arm"]!, (string)pair["metadata"]!["rejectedArm"]!,
            (string)pair["metadata"]!["judge"]!, (double)pair["metadata"]!["margin"]!));
        // q2: one order chose A, the other tied: margin 0.5, and a tie verdict, so no pair either way.
        Assert.Single(loose);
    }

    [Fact]
    public void Dpo_from_people_takes_their_majority_with_its_margin()
    {
        static HumanVoteRow Vote(string voter, string item, string verdict) =>
            new(voter, new PairKey("A", "B", item, 0), "A", "left", verdict, null, 0, DateTimeOffset.UtcNow);
        // q1: B, B, A (margin 1/3); q2: A, A and a "both bad" left out (margin 1).
        var source = Source with
        {
            HumanVotes = [Vote("ada", "q1", "B"), Vote("bea", "q1", "B"), Vote("cy", "q1", "A"), Vote("ada", "q2", "A"), Vote("bea", "q2", "A"),
                Vote("cy", "q2", "both_bad")],
        };
        var firm = Lines(TrainingExports.Jsonl(source, new TrainingRequest(TrainingFormat.Dpo, MinMargin: 1, From: PreferenceSource.People)));
        var loose = Lines(TrainingExports.Jsonl(source, new TrainingRequest(TrainingFormat.Dpo, MinMargin: 0.3, From: PreferenceSource.People)));

        var pair = Assert.Single(firm);
        Assert.Equal(("a2", "b2", "people (3 votes)"), ((string)pair["chosen"]![0]!["content"]!, (string)pair["rejected"]![0]!["content"]!,
            (string)pair["metadata"]!["judge"]!));
        Assert.Equal(2, loose.Count);
        Assert.Equal(1.0 / 3, (double)loose[0]["metadata"]!["margin"]!, 12);
        Assert.Equal("b1", (string)loose[0]["chosen"]![0]!["content"]!);
    }

    [Fact]
    public void An_unknown_arm_is_refused() =>
        Assert.Contains("no arm 'Z'", Assert.Throws<ValidationException>(() => TrainingExports.Jsonl(Source, new TrainingRequest(TrainingFormat.SftTrl, Arm: "Z"))).Message);

    private static ScoreRow Score(string arm, string item, string section, int score) => new(arm, item, 0, section, score, "", "rater", "builtin-rubric", 1);

    [Fact]
    public void Dpo_from_the_rubric_pairs_outputs_of_an_item_whose_mean_scores_differ_by_the_margin()
    {
        // q1: A 2, 3 (mean 2.5), B 4, 5 (4.5): two points apart, margin 0.5. q2: A 3, 3, B 3, 4 (one half point, 0.125).
        // Arm B on q3 is scored on one section only, so q3 has no pair.
        var source = Source with
        {
            Experiment = Experiment with { Rubric = new RubricSettings([new RubricSection("s-honest", "Honesty"), new RubricSection("s-agree", "Agreeableness")]) },
            Scores = [Score("A", "q1", "s-honest", 2), Score("A", "q1", "s-agree", 3), Score("B", "q1", "s-honest", 4), Score("B", "q1", "s-agree", 5),
                Score("A", "q2", "s-honest", 3), Score("A", "q2", "s-agree", 3), Score("B", "q2", "s-honest", 3), Score("B", "q2", "s-agree", 4),
                Score("A", "q3", "s-honest", 1)],
        };
        var firm = Lines(TrainingExports.Jsonl(source, new TrainingRequest(TrainingFormat.Dpo, MinMargin: 0.25, From: PreferenceSource.Rubric)));
        var loose = Lines(TrainingExports.Jsonl(source, new TrainingRequest(TrainingFormat.Dpo, MinMargin: 0.1, From: PreferenceSource.Rubric)));

        var pair = Assert.Single(firm);
        Assert.Equal(("b1", "a1", "rater / builtin-rubric r1", 0.5), ((string)pair["chosen"]![0]!["content"]!, (string)pair["rejected"]![0]!["content"]!,
            (string)pair["metadata"]!["judge"]!, (double)pair["metadata"]!["margin"]!));
        Assert.Equal(2, loose.Count);
        Assert.Equal(0.125, (double)loose[1]["metadata"]!["margin"]!);
        using var instance = JsonDocument.Parse(pair.ToJsonString());
        Assert.Empty(SchemaCheck.Errors(instance.RootElement, Schema("dpo")));
        // No rubric, no pairs.
        Assert.Empty(Lines(TrainingExports.Jsonl(Source, new TrainingRequest(TrainingFormat.Dpo, MinMargin: 0, From: PreferenceSource.Rubric))));
    }

    private static readonly TrainingSource Critiqued = Source with
    {
        Critiques =
        [
            new CritiqueRow("B", "q2", 0, "s-agree: too soft", ["s-agree"], "b2, said plainly", "critic", "builtin-critique", 1),
            new CritiqueRow("A", "q1", 0, "none", [], "a1", "critic", "builtin-critique", 1),
        ],
    };

    [Fact]
    public void Critique_records_validate_against_their_schema_with_the_output_and_its_provenance()
    {
        var lines = Lines(TrainingExports.CritiquesJsonl(Critiqued));
        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            using var instance = JsonDocument.Parse(line.ToJsonString());
            Assert.Empty(SchemaCheck.Errors(instance.RootElement, Schema("critique-revision", "critique.schema.json")));
        }
        var b = lines[0];
        Assert.Equal(("b2", "s-agree: too soft", "b2, said plainly"), ((string)b["output"]!, (string)b["critique"]!, (string)b["revision"]!));
        Assert.Equal(["s-agree"], b["cited_sections"]!.AsArray().Select(s => (string)s!));
        Assert.Equal(["user", "assistant", "user"], b["prompt"]!.AsArray().Select(m => (string)m!["role"]!));
        Assert.Equal(("B", 2, "hash-b", "critic / builtin-critique r1"), ((string)b["metadata"]!["arm"]!, (int)b["metadata"]!["revision"]!,
            (string)b["metadata"]!["recipeHash"]!, (string)b["metadata"]!["judge"]!));
        Assert.Single(Lines(TrainingExports.CritiquesJsonl(Critiqued, arm: "A")));
    }

    [Fact]
    public void The_critique_schema_would_catch_a_malformed_record()
    {
        using var bad = JsonDocument.Parse("""{"prompt": [], "output": "x", "critique": 3, "cited_sections": ["s"], "metadata": {"arm": "A"}}""");
        var errors = SchemaCheck.Errors(bad.RootElement, Schema("critique-revision", "critique.schema.json"));
        Assert.Contains(errors, e => e.Contains("missing 'revision'"));
        Assert.Contains(errors, e => e.Contains("missing 'judge'"));
        Assert.Contains(errors, e => e.Contains("critique"));
    }

    private static List<JsonObject> Lines(string jsonl) =>
        jsonl.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    private static JsonElement Schema(string definition, string file = "training.schema.json")
    {
        var root = JsonNode.Parse(File.ReadAllText(SchemaPath(file)))!.AsObject();
        root["$ref"] = $"#/$defs/{definition}";
        return JsonDocument.Parse(root.ToJsonString()).RootElement;
    }

    [Fact]
    public void An_export_is_named_by_the_hash_of_its_file_with_the_arms_revisions_and_recipe_hashes_in_it()
    {
        var sft = TrainingExports.Export(Source, new TrainingRequest(TrainingFormat.SftOpenAi, Arm: "B"));

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sft.Jsonl))), sft.Facts.ExportId);
        Assert.Equal((Experiment.Id, "sft-openai", 2), (sft.Facts.ExperimentId, sft.Facts.Format, sft.Facts.Records));
        var arm = Assert.Single(sft.Facts.Arms);
        Assert.Equal(("B", Constitution, 2, "hash-b"), (arm.Letter, arm.ConstitutionId, arm.Revision, Assert.Single(arm.RecipeHashes)));
        // The same request gives the same file, so the same id; another request another.
        Assert.Equal(sft.Facts.ExportId, TrainingExports.Export(Source, new TrainingRequest(TrainingFormat.SftOpenAi, Arm: "B")).Facts.ExportId);
        Assert.NotEqual(sft.Facts.ExportId, TrainingExports.Export(Source, new TrainingRequest(TrainingFormat.SftTrl, Arm: "B")).Facts.ExportId);
    }

    [Fact]
    public void A_preference_export_names_the_rejected_arm_too()
    {
        var dpo = TrainingExports.Export(Source, new TrainingRequest(TrainingFormat.Dpo, MinMargin: 1)).Facts;

        Assert.Equal(("dpo", 1), (dpo.Format, dpo.Records));
        Assert.Equal(["A", "B"], dpo.Arms.Select(a => a.Letter));
        Assert.Equal([1, 2], dpo.Arms.Select(a => a.Revision));
    }

    private static string SchemaPath(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "src", "ConstitutionHub.Core", "Experiments", "Schemas", file);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException($"src/ConstitutionHub.Core/Experiments/Schemas/{file} not found above the test output folder.");
    }
}
