using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Core.Experiments;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>
/// The Bradley–Terry fit against an independent reference in Python with numpy (bt_reference.py: Newton's method on
/// the likelihood, Wald errors from the information matrix), on votes simulated from known strengths.
/// </summary>
public sealed class BradleyTerryTests
{
    private static readonly double[] TrueStrengths = [0.8, 0.3, 0.0, -0.4, -0.7];

    [Fact]
    public async Task The_fit_equals_an_independent_numpy_maximum_likelihood_fit_on_the_raw_votes()
    {
        var votes = Simulate(TrueStrengths, 3000, seed: 7);
        var fit = BradleyTerry.Fit(TrueStrengths.Length, votes, bootstrapSamples: 0);
        var reference = await NumpyAsync(TrueStrengths.Length, votes);

        for (var a = 0; a < TrueStrengths.Length; a++)
            Assert.Equal(reference.Strengths[a], fit.Ratings[a].Strength, 6);
    }

    [Fact]
    public async Task Bootstrap_intervals_match_the_width_of_the_reference_standard_errors_and_cover_the_truth()
    {
        var votes = Simulate(TrueStrengths, 3000, seed: 11, tieRate: 0);
        var fit = BradleyTerry.Fit(TrueStrengths.Length, votes, bootstrapSamples: 1000, seed: 3);
        var reference = await NumpyAsync(TrueStrengths.Length, votes);

        var trueCentred = TrueStrengths.Select(s => s - TrueStrengths.Average()).ToArray();
        for (var a = 0; a < TrueStrengths.Length; a++)
        {
            var r = fit.Ratings[a];
            var halfWidth = (r.Upper - r.Lower) / 2;
            // 1000 bootstrap samples estimate a 95% interval's width to a few percent; the asymptotic one is 1.96 SE.
            Assert.InRange(halfWidth / (1.96 * reference.Se[a]), 0.85, 1.15);
            Assert.InRange(r.Strength, r.Lower, r.Upper);
            // Simulated with a fixed seed; the truth lies within 3 standard errors of the estimate.
            Assert.InRange(trueCentred[a], r.Strength - 3 * reference.Se[a], r.Strength + 3 * reference.Se[a]);
        }
    }

    [Fact]
    public void Ties_count_half_a_win_to_each_side()
    {
        Vote[] votes = [new(0, 1, Outcome.FirstWins), new(0, 1, Outcome.Tie), new(1, 0, Outcome.Tie), new(1, 0, Outcome.SecondWins)];
        var fit = BradleyTerry.Fit(2, votes, bootstrapSamples: 0);

        Assert.Equal(3.0 / 4, fit.WinRates[0, 1], 12);
        Assert.Equal(1.0 / 4, fit.WinRates[1, 0], 12);
        Assert.True(fit.Ratings[0].Strength > 0 && fit.Ratings[1].Strength < 0);
    }

    [Fact]
    public void An_arm_that_never_won_keeps_a_finite_rating_below_the_others()
    {
        Vote[] votes = [.. Enumerable.Repeat(new Vote(0, 1, Outcome.FirstWins), 20), .. Enumerable.Repeat(new Vote(2, 1, Outcome.FirstWins), 20)];
        var fit = BradleyTerry.Fit(3, votes, bootstrapSamples: 50);

        Assert.All(fit.Ratings, r => Assert.True(double.IsFinite(r.Strength) && double.IsFinite(r.Lower) && double.IsFinite(r.Upper)));
        Assert.True(fit.Ratings[1].Strength < fit.Ratings[0].Strength && fit.Ratings[1].Strength < fit.Ratings[2].Strength);
        Assert.True(double.IsNaN(fit.WinRates[0, 2]), "Arms 0 and 2 never met: no observed win rate.");
    }

    [Fact]
    public void A_vote_naming_an_unknown_arm_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => BradleyTerry.Fit(2, [new Vote(0, 2, Outcome.Tie)]));
        Assert.Contains("arms are 0 to 1", error.Message);
    }

    internal static List<Vote> Simulate(double[] strengths, int count, int seed, double tieRate = 0.1)
    {
        var random = new Random(seed);
        var votes = new List<Vote>(count);
        for (var k = 0; k < count; k++)
        {
            var a = random.Next(strengths.Length);
            var b = (a + 1 + random.Next(strengths.Length - 1)) % strengths.Length;
            var p = 1 / (1 + Math.Exp(strengths[b] - strengths[a]));
            var u = random.NextDouble();
            // A tie is half a win each: draw ties symmetrically so the expected score stays p.
            var outcome = u < tieRate ? Outcome.Tie : random.NextDouble() < p ? Outcome.FirstWins : Outcome.SecondWins;
            votes.Add(new Vote(a, b, outcome));
        }
        return votes;
    }

    private sealed record Reference(double[] Strengths, double[] Se);

    private static async Task<Reference> NumpyAsync(int arms, IReadOnlyList<Vote> votes)
    {
        var script = Path.Combine(AppContext.BaseDirectory, "Experiments", "bt_reference.py");
        // Debian's interpreter, where apt's python3-numpy is installed (a python3 earlier on PATH may lack it).
        var python3 = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        var start = new ProcessStartInfo(python3, [script]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var python = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var input = JsonSerializer.Serialize(new { arms, votes = votes.Select(v => new[] { v.First, v.Second, (int)v.Outcome }) });
        await python.StandardInput.WriteAsync(input);
        python.StandardInput.Close();
        var output = python.StandardOutput.ReadToEndAsync();
        var error = python.StandardError.ReadToEndAsync();
        await python.WaitForExitAsync();
        Assert.True(python.ExitCode == 0,
            $"The numpy reference failed (./hub test installs python3-numpy; or apt-get install python3-numpy): {await error}");
        using var json = JsonDocument.Parse(await output);
        return new Reference(
            json.RootElement.GetProperty("strengths").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            json.RootElement.GetProperty("se").EnumerateArray().Select(e => e.GetDouble()).ToArray());
    }
}
