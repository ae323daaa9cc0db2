namespace ConstitutionHub.Core.Experiments;

/// <summary>The outcome of one comparison, from the first arm's side.</summary>
public enum Outcome : byte
{
    FirstWins,
    SecondWins,
    Tie,
}

/// <summary>One pairwise verdict between two arms (by index). Ties count half a win to each side.</summary>
public readonly record struct Vote(int First, int Second, Outcome Outcome);

/// <summary>One arm's rating: log-strength (mean 0 over arms), its bootstrap interval, and the Arena-style scale.</summary>
public sealed record ArmRating(int Arm, double Strength, double Lower, double Upper, int Comparisons)
{
    /// <summary>Chatbot Arena's scale: 400/ln 10 points per unit of log-strength, around 1000.</summary>
    public double Rating => 1000 + Strength * 400 / Math.Log(10);
    public double RatingLower => 1000 + Lower * 400 / Math.Log(10);
    public double RatingUpper => 1000 + Upper * 400 / Math.Log(10);
}

public sealed record BradleyTerryFit(IReadOnlyList<ArmRating> Ratings, double[,] WinRates, int Votes, int BootstrapSamples, double Confidence);

/// <summary>
/// Bradley–Terry: P(i beats j) = p_i / (p_i + p_j). Fitted by maximum likelihood with Newton's method
/// on the matrix of wins, so a fit costs O(arms³) per iteration whatever the number of votes, and a bootstrap sample
/// costs one pass over the votes to count them. Each arm also plays half a win and half a loss against a virtual arm
/// of strength 1 (<see cref="Prior"/>): an arm that never won keeps a finite rating, and the fit is unique even when
/// the comparison graph is not connected. Intervals are bootstrap percentiles over votes resampled with replacement.
/// </summary>
public static class BradleyTerry
{
    /// <summary>Virtual wins (and as many losses) of every arm against the anchor arm of strength 1.</summary>
    public const double Prior = 0.5;
    private const int MaxIterations = 100;
    private const double Tolerance = 1e-10;
    private const double MaxStep = 4;

    public static BradleyTerryFit Fit(int arms, IReadOnlyList<Vote> votes, int bootstrapSamples = 200, double confidence = 0.95, int seed = 1)
    {
        if (arms < 2) throw new ArgumentOutOfRangeException(nameof(arms), "Ratings need at least two arms.");
        foreach (var v in votes)
            if ((uint)v.First >= arms || (uint)v.Second >= arms || v.First == v.Second)
                throw new ArgumentException($"A vote names arms {v.First} and {v.Second}; arms are 0 to {arms - 1} and differ.", nameof(votes));

        var all = votes as Vote[] ?? [.. votes];
        var wins = new double[arms, arms];
        Count(all, wins, null);
        var strength = Strengths(wins);
        var winRates = WinRates(wins);
        var comparisons = new int[arms];
        foreach (var v in votes) { comparisons[v.First]++; comparisons[v.Second]++; }

        var draws = new double[arms][];
        for (var a = 0; a < arms; a++) draws[a] = new double[bootstrapSamples];
        var random = new Random(seed);
        var picks = new int[all.Length];
        for (var b = 0; b < bootstrapSamples; b++)
        {
            for (var i = 0; i < picks.Length; i++) picks[i] = random.Next(picks.Length);
            Array.Clear(wins);
            Count(all, wins, picks);
            var s = Strengths(wins, strength);
            for (var a = 0; a < arms; a++) draws[a][b] = s[a];
        }

        var tail = (1 - confidence) / 2;
        var ratings = Enumerable.Range(0, arms).Select(a =>
        {
            Array.Sort(draws[a]);
            var (lo, hi) = bootstrapSamples == 0 ? (strength[a], strength[a]) : (Quantile(draws[a], tail), Quantile(draws[a], 1 - tail));
            return new ArmRating(a, strength[a], lo, hi, comparisons[a]);
        }).ToList();
        return new BradleyTerryFit(ratings, winRates, votes.Count, bootstrapSamples, confidence);
    }

    /// <summary>
    /// Maximum-likelihood log-strengths, centred on mean 0, from <paramref name="wins"/>[i, j] = wins of i over j:
    /// Newton's method on the concave log-likelihood (a few iterations of an arms x arms solve; Hunter's MM iteration
    /// needs thousands when arms are close, which a bootstrap of hundreds of fits cannot afford).
    /// </summary>
    public static double[] Strengths(double[,] wins, double[]? start = null)
    {
        var n = wins.GetLength(0);
        var theta = start is null ? new double[n] : (double[])start.Clone();
        var gradient = new double[n];
        var hessian = new double[n, n];
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            Array.Clear(gradient);
            Array.Clear(hessian);
            for (var i = 0; i < n; i++)
            {
                // The anchor: 2 * Prior games against strength 1 (log-strength 0), Prior of them won.
                var pa = Sigmoid(theta[i]);
                gradient[i] += Prior - 2 * Prior * pa;
                hessian[i, i] += 2 * Prior * pa * (1 - pa);
                for (var j = i + 1; j < n; j++)
                {
                    var games = wins[i, j] + wins[j, i];
                    if (games == 0) continue;
                    var p = Sigmoid(theta[i] - theta[j]);
                    var r = wins[i, j] - games * p;
                    var w = games * p * (1 - p);
                    gradient[i] += r;
                    gradient[j] -= r;
                    hessian[i, i] += w;
                    hessian[j, j] += w;
                    hessian[i, j] -= w;
                    hessian[j, i] -= w;
                }
            }
            var step = LinearAlgebra.Solve(hessian, gradient);
            // A long first step on lopsided data can overshoot; the likelihood is concave, so shorter steps still converge.
            var longest = step.Max(Math.Abs);
            var scale = longest > MaxStep ? MaxStep / longest : 1;
            for (var i = 0; i < n; i++) theta[i] += scale * step[i];
            if (longest < Tolerance) break;
        }

        var mean = theta.Average();
        for (var i = 0; i < n; i++) theta[i] -= mean;
        return theta;
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Observed win rate of the row arm against the column arm (ties half), NaN where they never met.</summary>
    public static double[,] WinRates(double[,] wins)
    {
        var n = wins.GetLength(0);
        var rates = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var games = wins[i, j] + wins[j, i];
                rates[i, j] = i == j || games == 0 ? double.NaN : wins[i, j] / games;
            }
        return rates;
    }

    private static void Count(Vote[] votes, double[,] wins, int[]? picks)
    {
        var count = picks?.Length ?? votes.Length;
        for (var k = 0; k < count; k++)
        {
            var v = votes[picks is null ? k : picks[k]];
            switch (v.Outcome)
            {
                case Outcome.FirstWins: wins[v.First, v.Second] += 1; break;
                case Outcome.SecondWins: wins[v.Second, v.First] += 1; break;
                default: wins[v.First, v.Second] += 0.5; wins[v.Second, v.First] += 0.5; break;
            }
        }
    }

    /// <summary>Linear interpolation between order statistics (numpy's default "linear" method).</summary>
    internal static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var below = (int)Math.Floor(position);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
