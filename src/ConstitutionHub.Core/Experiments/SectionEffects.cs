namespace ConstitutionHub.Core.Experiments;

/// <summary>
/// The estimated effect of one section variant against its section's reference variant. <see cref="Beta"/> is on the
/// Bradley–Terry log-odds scale; <see cref="Points"/> says it as people read it: how many points above 50% the arm with
/// this variant wins against the same arm with the reference variant ("raises the win rate by 12 +/- 5 points").
/// </summary>
public sealed record SectionEffect(string SectionId, string Heading, string Variant, string ReferenceVariant, double Beta, double StandardError,
    double Lower, double Upper)
{
    public double Points => WinPoints(Beta);
    public double PointsLower => WinPoints(Lower);
    public double PointsUpper => WinPoints(Upper);

    public string Sentence => SentenceFor("judge");

    /// <summary>The sentence for effects estimated from <paramref name="source"/>'s verdicts: "judge" or "human" (people's votes).</summary>
    public string SentenceFor(string source) =>
        $"Variant '{Variant}' of {Heading} {(Points >= 0 ? "raises" : "lowers")} the {(source == "judge" ? "judged" : "people's")} win rate by " +
        $"{Math.Abs(Points):0.#} +/- {(PointsUpper - PointsLower) / 2:0.#} points (against '{ReferenceVariant}').";

    private static double WinPoints(double beta) => 100 * (1 / (1 + Math.Exp(-beta)) - 0.5);
}

/// <summary>
/// Effects per section variant for a factorial experiment: Bradley–Terry regression over the design. Each arm's
/// strength is the sum of its variants' effects (dummy coding, the first variant of each section the reference), so
/// P(a beats b) = σ(Σ β · (x_a − x_b)); fitted by Newton's method on the log-likelihood (ties count as half a win),
/// with Wald intervals from the observed information. Main effects only: a fractional design aliases interactions.
/// </summary>
public static class SectionEffects
{
    private const int MaxIterations = 100;
    private const double Ridge = 1e-6;

    public static IReadOnlyList<SectionEffect> Estimate(IReadOnlyList<Arm> arms, IReadOnlyList<Factor> factors, IReadOnlyList<Vote> votes,
        double confidence = 0.95)
    {
        var columns = factors.SelectMany(f => f.Variants.Skip(1).Select(v => (Factor: f, Variant: v))).ToList();
        if (columns.Count == 0) throw new ArgumentException("No variant to estimate.", nameof(factors));
        var x = arms.Select(arm => columns.Select(c =>
            arm.Levels is { } levels && levels.TryGetValue(c.Factor.SectionId, out var chosen) && chosen == c.Variant ? 1.0 : 0.0).ToArray()).ToArray();

        var k = columns.Count;
        var beta = new double[k];
        var information = new double[k, k];
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var gradient = new double[k];
            Array.Clear(information);
            foreach (var v in votes)
            {
                var y = v.Outcome switch { Outcome.FirstWins => 1.0, Outcome.SecondWins => 0.0, _ => 0.5 };
                var (a, b) = (x[v.First], x[v.Second]);
                var eta = 0.0;
                for (var c = 0; c < k; c++) eta += beta[c] * (a[c] - b[c]);
                var p = 1 / (1 + Math.Exp(-eta));
                var w = p * (1 - p);
                for (var c = 0; c < k; c++)
                {
                    var d = a[c] - b[c];
                    if (d == 0) continue;
                    gradient[c] += (y - p) * d;
                    for (var e = 0; e < k; e++) information[c, e] += w * d * (a[e] - b[e]);
                }
            }
            for (var c = 0; c < k; c++) { information[c, c] += Ridge; gradient[c] -= Ridge * beta[c]; }
            var step = LinearAlgebra.Solve(information, gradient);
            var change = 0.0;
            for (var c = 0; c < k; c++) { beta[c] += step[c]; change = Math.Max(change, Math.Abs(step[c])); }
            if (change < 1e-10) break;
        }

        var covariance = LinearAlgebra.Inverse(information);
        var z = NormalQuantile(1 - (1 - confidence) / 2);
        return columns.Select((c, i) =>
        {
            var se = Math.Sqrt(covariance[i, i]);
            return new SectionEffect(c.Factor.SectionId, c.Factor.Heading, c.Variant, c.Factor.Variants[0], beta[i], se, beta[i] - z * se, beta[i] + z * se);
        }).ToList();
    }

    /// <summary>The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9).</summary>
    internal static double NormalQuantile(double p)
    {
        double[] a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        double[] b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        double[] c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        double[] d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        if (p < 0.02425)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - 0.02425) return -NormalQuantile(1 - p);
        var s = p - 0.5;
        var t = s * s;
        return (((((a[0] * t + a[1]) * t + a[2]) * t + a[3]) * t + a[4]) * t + a[5]) * s / (((((b[0] * t + b[1]) * t + b[2]) * t + b[3]) * t + b[4]) * t + 1);
    }
}
