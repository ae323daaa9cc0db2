using System.Security.Cryptography;
using System.Text;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Experiments;

/// <summary>Sampling an arm asks for; null fields take the model's defaults.</summary>
public sealed record ArmSampling(double? Temperature = null, double? TopP = null, int? MaxTokens = null);

/// <summary>
/// One arm: a constitution revision compiled with a recipe of variants, optionally on its own model and sampling.
/// <paramref name="Letter"/> ("A", "B", …) is how the arm is shown when arms are hidden. <paramref name="Levels"/>:
/// for a factorial arm, the variant chosen for each varied section (section id -> variant), what effects are estimated over.
/// </summary>
public sealed record Arm(string Letter, string Label, Guid ConstitutionId, int Revision, Recipe Recipe, string? Model = null,
    ArmSampling? Sampling = null, IReadOnlyDictionary<string, string>? Levels = null);

/// <summary>A section to vary and the variants to try (the first is the reference level of its effects).</summary>
public sealed record Factor(string SectionId, string Heading, IReadOnlyList<string> Variants);

public enum FactorialKind
{
    Full,
    /// <summary>The regular fraction 1/L of an L^k design: the last factor's level is the sum of the others' mod L.
    /// Main effects stay estimable (resolution k); interactions are aliased, so they are not estimated.</summary>
    Fractional,
}

/// <summary>What an experiment costs before it starts, in the units people budget by.</summary>
/// <param name="RubricScores">Outputs x rubric sections: one fixed-choice score and one short reason each (0 without a rubric).</param>
public sealed record ExperimentCost(int Arms, int Items, int Samples, int Generations, int JudgePairs, int JudgeCalls, long MaxGeneratedTokens,
    int RubricScores = 0)
{
    public string Summary =>
        $"{Generations:N0} generations ({Items} items x {Arms} arms x {Samples} samples), up to {MaxGeneratedTokens:N0} generated tokens; " +
        $"judging: {JudgePairs:N0} pairs, {JudgeCalls:N0} judge calls (both orders)" +
        (RubricScores > 0 ? $"; rubric: {RubricScores:N0} scores ({Generations:N0} outputs x {RubricScores / Math.Max(Generations, 1)} sections)." : ".");
}

public static class ExperimentDesign
{
    public const int MaxArms = 32;
    public const int MaxSamples = 16;
    public const int MaxGenerations = 200_000;
    public const int DefaultMaxTokens = 256;
    public const int MaxRubricSections = 16;

    public static string LetterOf(int index) =>
        index < 26 ? ((char)('A' + index)).ToString() : $"{(char)('A' + index / 26 - 1)}{(char)('A' + index % 26)}";

    /// <summary>
    /// The arms of a factorial design over <paramref name="factors"/> on one revision: every combination (full) or
    /// the regular fraction (all factors need the same number of variants, 2 or 3). Sections not varied keep the
    /// choice of <paramref name="baseRecipe"/>.
    /// </summary>
    public static IReadOnlyList<Arm> Factorial(Guid constitutionId, int revision, Recipe baseRecipe, IReadOnlyList<Factor> factors, FactorialKind kind)
    {
        if (factors.Count == 0) throw new ValidationException("factors", "Pick at least one section to vary.");
        if (factors.Select(f => f.SectionId).Distinct().Count() != factors.Count)
            throw new ValidationException("factors", "Each section is varied once.");
        foreach (var f in factors)
            if (f.Variants.Count < 2 || f.Variants.Distinct().Count() != f.Variants.Count)
                throw new ValidationException("factors", $"Section '{f.Heading}' needs at least two different variants to vary.");

        var levels = factors.Select(f => f.Variants.Count).ToArray();
        IEnumerable<int[]> combinations = Combinations(kind == FactorialKind.Full ? levels : levels[..^1]);
        if (kind == FactorialKind.Fractional)
        {
            if (factors.Count < 3)
                throw new ValidationException("design", "A fractional design needs at least three sections; with fewer, run the full design.");
            if (levels.Distinct().Count() != 1 || levels[0] > 3)
                throw new ValidationException("design", "A fractional design needs every section varied over the same number of variants (2 or 3).");
            var l = levels[0];
            combinations = combinations.Select(c => (int[])[.. c, c.Sum() % l]);
        }

        var arms = new List<Arm>();
        foreach (var combination in combinations)
        {
            if (arms.Count == MaxArms)
                throw new ValidationException("design", $"The design has more than {MaxArms} arms; vary fewer sections or use a fractional design.");
            var choices = new Dictionary<string, string>(baseRecipe.Choices);
            var chosen = new Dictionary<string, string>();
            for (var f = 0; f < factors.Count; f++)
            {
                choices[factors[f].SectionId] = chosen[factors[f].SectionId] = factors[f].Variants[combination[f]];
            }
            var label = string.Join(", ", factors.Select(f => $"{f.Heading}={chosen[f.SectionId]}"));
            arms.Add(new Arm(LetterOf(arms.Count), label, constitutionId, revision, new Recipe(choices), Levels: chosen));
        }
        return arms;
    }

    /// <summary>Checks the arms and states the cost. Judging compares every pair of arms on every item and sample, in both
    /// orders; a rubric scores every output on each of its <paramref name="rubricSections"/>.</summary>
    public static ExperimentCost Cost(IReadOnlyList<Arm> arms, int items, int samples, int rubricSections = 0)
    {
        if (arms.Count < 2) throw new ValidationException("arms", "An experiment compares at least two arms.");
        if (arms.Count > MaxArms) throw new ValidationException("arms", $"At most {MaxArms} arms.");
        if (arms.Select(a => a.Letter).Distinct().Count() != arms.Count) throw new ValidationException("arms", "Each arm has its own letter.");
        if (items < 1) throw new ValidationException("promptSet", "The prompt set has no items.");
        if (samples is < 1 or > MaxSamples) throw new ValidationException("samples", $"Samples per item are 1 to {MaxSamples}.");
        foreach (var arm in arms)
        {
            if (arm.Revision < 1) throw new ValidationException("arms", $"Arm {arm.Letter}: pick a revision.");
            if (arm.Sampling is { Temperature: < 0 or > 2 }) throw new ValidationException("arms", $"Arm {arm.Letter}: temperature is 0 to 2.");
            if (arm.Sampling is { TopP: <= 0 or > 1 }) throw new ValidationException("arms", $"Arm {arm.Letter}: top_p is above 0 and at most 1.");
            if (arm.Sampling is { MaxTokens: < 1 or > 4096 }) throw new ValidationException("arms", $"Arm {arm.Letter}: max tokens are 1 to 4096.");
        }
        long generations = (long)arms.Count * items * samples;
        if (generations > MaxGenerations)
            throw new ValidationException("design", $"{generations:N0} generations is more than the {MaxGenerations:N0} an experiment may run.");
        var pairs = arms.Count * (arms.Count - 1) / 2 * items * samples;
        var tokens = arms.Sum(a => (long)(a.Sampling?.MaxTokens ?? DefaultMaxTokens)) * items * samples;
        return new ExperimentCost(arms.Count, items, samples, (int)generations, pairs, pairs * 2, tokens, (int)generations * rubricSections);
    }

    /// <summary>
    /// The seed of one generation, recorded with it: the same experiment, arm, item and sample always sample the same
    /// way, and arms differ only in what they vary (the same item and sample share a seed across arms).
    /// </summary>
    public static long Seed(Guid experimentId, string itemId, int sample)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{experimentId:N}/{itemId}/{sample}"));
        return BitConverter.ToInt64(hash, 0) & long.MaxValue;
    }

    private static IEnumerable<int[]> Combinations(int[] levels)
    {
        var current = new int[levels.Length];
        while (true)
        {
            yield return (int[])current.Clone();
            var i = levels.Length - 1;
            while (i >= 0 && ++current[i] == levels[i]) current[i--] = 0;
            if (i < 0) yield break;
        }
    }
}
