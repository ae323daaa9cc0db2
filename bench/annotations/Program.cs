// Re-anchoring figures, each against a peer in the same run: Hypothesis' way of re-finding a quote after an edit
// (dom-anchor-text-quote: diff-match-patch's bitap match_main in 32-character slices over the whole text, starting
// from the old position), on the same machine, interleaved run by run so load hits both alike.
//  1. 1,000 annotations across one revision of the baseline document: time per run, p50/p99;
//  2. precision and recall of both on the re-anchoring corpus the tests judge (tests/.../ReanchoringCorpus.cs).
// Usage: dotnet run -c Release --project bench/annotations [-- annotations=1000 runs=200]
using System.Diagnostics;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Tests.Annotations;
using DiffMatchPatch;

var options = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1]));
var count = options.GetValueOrDefault("annotations", 1000);
var runs = options.GetValueOrDefault("runs", 200);
Console.WriteLine($"{Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

// One realistic revision of the baseline: a paragraph added, a sentence reworded, a section moved and one renamed.
var oldMarkdown = ReanchoringCorpus.Baseline;
var newMarkdown = oldMarkdown
    .Replace("## Purpose\n\n", "## Purpose\n\nA paragraph added at the top of this section, as editors often do.\n\n")
    .Replace("You find ideas interesting.", "Ideas interest you, and it shows.")
    .Replace("## Curiosity", "## Curiosity and interest");
var style = newMarkdown.IndexOf("## Style", StringComparison.Ordinal);
var next = newMarkdown.IndexOf("## Relationship", StringComparison.Ordinal);
newMarkdown = newMarkdown.Remove(style, next - style) + "\n" + newMarkdown[style..next];

var ids = 0;
string NewId() => $"s{++ids}";
var oldSections = SectionIdentity.Assign([], SectionParser.Parse(oldMarkdown), NewId);
var newSections = SectionIdentity.Assign(oldSections, SectionParser.Parse(newMarkdown), NewId);
var oldDoc = ReadingText.Document(oldMarkdown, oldSections);
var newDoc = ReadingText.Document(newMarkdown, newSections);
var anchors = Sample(oldDoc, count, new Random(12));

// The peer sees the document as one text, as a browser page is (sections joined with a space).
var oldWhole = Whole(oldDoc, out var oldOffsets);
var newWhole = string.Join(' ', newDoc.Sections.Select(s => s.Text));

var ours = new List<double>();
var oursWithText = new List<double>();
var peer = new List<double>();
var oursKept = 0;
var peerKept = 0;
for (var run = -5; run < runs; run++) // five warm-up runs of each
{
    var t = Stopwatch.GetTimestamp();
    var results = Reanchoring.All(oldDoc, newDoc, anchors);
    var oursMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;

    t = Stopwatch.GetTimestamp();
    var freshDoc = ReadingText.Document(newMarkdown, newSections);
    _ = Reanchoring.All(oldDoc, freshDoc, anchors);
    var withTextMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;

    t = Stopwatch.GetTimestamp();
    var found = anchors.Count(a => HypothesisStyle(newWhole, a.Exact, oldOffsets[a.SectionId] + a.Start) >= 0);
    var peerMs = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    if (run < 0) continue;
    ours.Add(oursMs);
    oursWithText.Add(withTextMs);
    peer.Add(peerMs);
    oursKept = results.Count(r => !r.IsOrphan);
    peerKept = found;
}
Console.WriteLine($"re-anchoring {count} annotations across one revision of the baseline ({oldMarkdown.Length:N0} -> {newMarkdown.Length:N0} chars), {runs} runs:");
Print("ours (section diff, quote, fuzzy)", ours, oursKept);
Print("ours, reading text of the revision included", oursWithText, oursKept);
Print("peer: diff-match-patch match_main (Hypothesis)", peer, peerKept);
Console.WriteLine($"  ratio peer/ours p50 {Percentile(peer, 50) / Percentile(ours, 50):F1}x, p99 {Percentile(peer, 99) / Percentile(ours, 99):F1}x");

Corpus();

void Print(string name, List<double> ms, int kept) =>
    Console.WriteLine($"  {name,-48} p50 {Percentile(ms, 50),7:F2} ms  p99 {Percentile(ms, 99),7:F2} ms  per annotation {Percentile(ms, 50) * 1000 / count,6:F1} us  kept {kept}/{count}");

static double Percentile(List<double> values, int p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

static string Whole(AnchorDocument doc, out Dictionary<string, int> offsets)
{
    offsets = [];
    var at = 0;
    foreach (var s in doc.Sections)
    {
        offsets[s.Id] = at;
        at += s.Text.Length + 1;
    }
    return string.Join(' ', doc.Sections.Select(s => s.Text));
}

// dom-anchor-text-quote's toRange: bitap in slices of 32 characters (the limit of its bit vectors), each from where
// the last one ended, Match_Distance twice the text length, the default threshold 0.5.
static int HypothesisStyle(string text, string exact, int hint)
{
    var dmp = new diff_match_patch { Match_Distance = text.Length * 2 };
    var loc = Math.Clamp(hint, 0, text.Length);
    var start = -1;
    for (var i = 0; i < exact.Length; i += 32)
    {
        var slice = exact.Substring(i, Math.Min(32, exact.Length - i));
        loc = dmp.match_main(text, slice, loc);
        if (loc < 0) return -1;
        if (start < 0) start = loc;
        loc += slice.Length;
    }
    return start;
}

static IReadOnlyList<TextAnchor> Sample(AnchorDocument doc, int count, Random random)
{
    var anchors = new List<TextAnchor>(count);
    var sections = doc.Sections.Where(s => s.Text.Length > 40).ToArray();
    while (anchors.Count < count)
    {
        var section = sections[random.Next(sections.Length)];
        var words = System.Text.RegularExpressions.Regex.Matches(section.Text, @"\S+");
        var first = random.Next(words.Count);
        var last = Math.Min(words.Count - 1, first + random.Next(2, 10));
        anchors.Add(TextAnchor.At(section, words[first].Index, words[last].Index + words[last].Length));
    }
    return anchors;
}

// Both on the corpus: the peer is right when it finds the expected start in the whole text (or overlaps a reworded
// phrase), wrong when it finds anything else, and rightly silent when the text is gone.
void Corpus()
{
    var tally = new Dictionary<string, (int Right, int Wrong, int Expected)> { ["ours"] = default, ["peer"] = default };
    foreach (var c in ReanchoringCorpus.Cases())
    {
        var n = 0;
        string Id() => $"s{++n}";
        var (oldD, oldAnchor, oldInfo) = Revision(c.OldMarked, [], Id);
        var (newD, expected, _) = Revision(c.NewMarked, oldInfo, Id);
        var ourResult = Reanchoring.All(oldD, newD, [oldAnchor!]).Single().Anchor;
        _ = Whole(oldD, out var oldAt);
        var newText = Whole(newD, out var newAt);
        var peerStart = HypothesisStyle(newText, oldAnchor!.Exact, oldAt[oldAnchor.SectionId] + oldAnchor.Start);
        int? ourStart = ourResult is null ? null : newAt[ourResult.SectionId] + ourResult.Start;
        int? ourEnd = ourResult is null ? null : newAt[ourResult.SectionId] + ourResult.End;
        int? expectedStart = expected is null ? null : newAt[expected.SectionId] + expected.Start;
        int? expectedEnd = expected is null ? null : newAt[expected.SectionId] + expected.End;
        Count("ours", ourStart, ourEnd);
        Count("peer", peerStart < 0 ? null : peerStart, peerStart < 0 ? null : peerStart + oldAnchor.Exact.Length);

        void Count(string who, int? start, int? end)
        {
            var t = tally[who];
            if (expectedStart is not null) t.Expected++;
            if (start is not null)
            {
                var right = expectedStart is not null && (c.Expected == Expected.Same
                    ? start == expectedStart && end == expectedEnd
                    : Math.Min(end!.Value, expectedEnd!.Value) - Math.Max(start.Value, expectedStart.Value) >=
                      0.75 * (Math.Max(end.Value, expectedEnd.Value) - Math.Min(start.Value, expectedStart.Value)));
                if (right) t.Right++;
                else t.Wrong++;
            }
            tally[who] = t;
        }
    }
    Console.WriteLine($"the re-anchoring corpus ({ReanchoringCorpus.Cases().Count} cases):");
    foreach (var (who, t) in tally)
    {
        Console.WriteLine($"  {who}: precision {t.Right / (double)Math.Max(1, t.Right + t.Wrong):P1} ({t.Wrong} on wrong text), recall {t.Right / (double)Math.Max(1, t.Expected):P1}");
    }
}

static (AnchorDocument Doc, TextAnchor? Marked, IReadOnlyList<SectionInfo> Sections) Revision(string marked, IReadOnlyList<SectionInfo> previous, Func<string> id)
{
    var markdown = ReanchoringCorpus.Remove(marked);
    var sections = SectionIdentity.Assign(previous, SectionParser.Parse(markdown), id);
    var doc = ReadingText.Document(markdown, sections);
    var markedSections = SectionParser.Parse(marked);
    for (var i = 0; i < markedSections.Count; i++)
    {
        var text = ReadingText.Of(markedSections[i].Text);
        var open = text.IndexOf(ReanchoringCorpus.Open);
        if (open >= 0) return (doc, TextAnchor.At(doc.Sections[i], open, text.IndexOf(ReanchoringCorpus.Close) - 1), sections);
    }
    return (doc, null, sections);
}
