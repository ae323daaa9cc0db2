namespace ConstitutionHub.Core.Documents.Text;

/// <summary>What the matcher knows about one section.</summary>
internal sealed class MatchItem(int level, string heading, Func<SectionFingerprint> fingerprint)
{
    private readonly Lazy<SectionFingerprint> fingerprint = new(fingerprint, LazyThreadSafetyMode.None);

    public int Level { get; } = level;
    public string HeadingKey { get; } = SectionMatcher.NormaliseHeading(heading);

    /// <summary>Computed only when a heading match is not enough, which keeps diffs of big documents cheap.</summary>
    public SectionFingerprint Fingerprint => this.fingerprint.Value;

    public static MatchItem Of(ParsedSection section) =>
        new(section.Level, section.Heading, () => SectionFingerprint.Of(section.Body));
}

/// <summary>
/// Pairs the sections of one revision with those of another. Passes, each over what is still unpaired:
/// 1. same level and heading (duplicates paired by body similarity, then by position);
/// 2. same heading at another level (a promoted or demoted heading);
/// 3. renamed heading with a similar body: Jaccard of word 3-shingles at least <see cref="RenameThreshold"/>;
/// 4. split or merged sections: one body mostly contained in the other, so the larger part keeps the id;
/// 5. a heading-only (or nearly empty) section renamed in place, between the same matched neighbours.
/// Ties are broken by distance in position and then by order, so the result is deterministic.
/// </summary>
internal static class SectionMatcher
{
    public const double RenameThreshold = 0.5;
    public const double ContainedFraction = 0.8;
    public const double CoveredFraction = 0.25;
    public const int ShortBodyShingles = 8;

    /// <summary>For each current section, the index of its previous section, or -1 when it is new.</summary>
    public static int[] Match(IReadOnlyList<MatchItem> previous, IReadOnlyList<MatchItem> current)
    {
        var state = new State(previous, current);
        MatchByHeading(state, byLevel: true);
        MatchByHeading(state, byLevel: false);
        MatchSimilarBodies(state);
        MatchSplitsAndMerges(state);
        MatchShortSectionsInPlace(state);
        return state.PreviousOf;
    }

    public static string NormaliseHeading(string heading) =>
        string.Join(' ', heading.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private sealed class State(IReadOnlyList<MatchItem> previous, IReadOnlyList<MatchItem> current)
    {
        public IReadOnlyList<MatchItem> Previous { get; } = previous;
        public IReadOnlyList<MatchItem> Current { get; } = current;
        public int[] PreviousOf { get; } = Enumerable.Repeat(-1, current.Count).ToArray();
        public bool[] PreviousTaken { get; } = new bool[previous.Count];

        public IEnumerable<int> FreePrevious() => Enumerable.Range(0, Previous.Count).Where(p => !PreviousTaken[p]);
        public IEnumerable<int> FreeCurrent() => Enumerable.Range(0, Current.Count).Where(c => PreviousOf[c] < 0);

        public void Pair(int p, int c)
        {
            PreviousTaken[p] = true;
            PreviousOf[c] = p;
        }

        /// <summary>Best score first; ties: closer position, then earlier previous, then earlier current.</summary>
        public void PairGreedily(List<(int P, int C, double Score)> candidates)
        {
            candidates.Sort((x, y) =>
            {
                var byScore = y.Score.CompareTo(x.Score);
                if (byScore != 0) return byScore;
                var byDistance = Math.Abs(x.P - x.C).CompareTo(Math.Abs(y.P - y.C));
                return byDistance != 0 ? byDistance : x.P != y.P ? x.P.CompareTo(y.P) : x.C.CompareTo(y.C);
            });
            foreach (var (p, c, _) in candidates)
            {
                if (!PreviousTaken[p] && PreviousOf[c] < 0) Pair(p, c);
            }
        }
    }

    private static void MatchByHeading(State state, bool byLevel)
    {
        string Key(MatchItem item) => byLevel ? item.Level + "\u0001" + item.HeadingKey : item.HeadingKey;
        var previousByKey = state.FreePrevious().ToLookup(p => Key(state.Previous[p]));
        var currentByKey = state.FreeCurrent().ToLookup(c => Key(state.Current[c]));
        foreach (var group in currentByKey)
        {
            var previous = previousByKey[group.Key].ToList();
            var current = group.ToList();
            if (previous.Count == 0) continue;
            if (previous.Count == 1 && current.Count == 1)
            {
                state.Pair(previous[0], current[0]);
                continue;
            }
            var candidates = new List<(int, int, double)>();
            foreach (var p in previous)
            {
                foreach (var c in current)
                {
                    candidates.Add((p, c, SectionFingerprint.Jaccard(state.Previous[p].Fingerprint, state.Current[c].Fingerprint)));
                }
            }
            state.PairGreedily(candidates);
        }
    }

    private static void MatchSimilarBodies(State state)
    {
        var candidates = new List<(int, int, double)>();
        var free = state.FreePrevious().ToList();
        foreach (var c in state.FreeCurrent())
        {
            foreach (var p in free)
            {
                var jaccard = SectionFingerprint.Jaccard(state.Previous[p].Fingerprint, state.Current[c].Fingerprint);
                if (jaccard >= RenameThreshold) candidates.Add((p, c, jaccard));
            }
        }
        state.PairGreedily(candidates);
    }

    private static void MatchSplitsAndMerges(State state)
    {
        var candidates = new List<(int, int, double)>();
        var free = state.FreePrevious().ToList();
        foreach (var c in state.FreeCurrent())
        {
            foreach (var p in free)
            {
                var a = state.Previous[p].Fingerprint;
                var b = state.Current[c].Fingerprint;
                var shared = SectionFingerprint.SharedShingles(a, b, SectionFingerprint.Jaccard(a, b));
                if (shared <= 0) continue;
                var smaller = Math.Min(a.ShingleCount, b.ShingleCount);
                var larger = Math.Max(a.ShingleCount, b.ShingleCount);
                if (shared >= ContainedFraction * smaller && shared >= CoveredFraction * larger)
                {
                    candidates.Add((p, c, shared));
                }
            }
        }
        state.PairGreedily(candidates);
    }

    private static void MatchShortSectionsInPlace(State state)
    {
        var c = 0;
        while (c < state.Current.Count)
        {
            if (state.PreviousOf[c] >= 0)
            {
                c++;
                continue;
            }
            // A run of unmatched current sections, between matched neighbours (or the document edges).
            var runStart = c;
            while (c < state.Current.Count && state.PreviousOf[c] < 0) c++;
            var previousBefore = runStart > 0 ? state.PreviousOf[runStart - 1] : -1;
            var previousAfter = c < state.Current.Count ? state.PreviousOf[c] : state.Previous.Count;
            if (previousBefore >= previousAfter) continue; // neighbours were reordered: no "same place"

            var previousRun = Enumerable.Range(previousBefore + 1, previousAfter - previousBefore - 1)
                .Where(p => !state.PreviousTaken[p]).ToList();
            var currentRun = Enumerable.Range(runStart, c - runStart).ToList();
            if (previousRun.Count != currentRun.Count) continue;
            var fits = previousRun.Zip(currentRun).All(pair =>
                state.Previous[pair.First].Level == state.Current[pair.Second].Level &&
                IsShort(state.Previous[pair.First]) && IsShort(state.Current[pair.Second]));
            if (!fits) continue;
            foreach (var (p, cur) in previousRun.Zip(currentRun)) state.Pair(p, cur);
        }
    }

    private static bool IsShort(MatchItem item) =>
        item.Fingerprint.IsKnown && item.Fingerprint.ShingleCount < ShortBodyShingles;
}
