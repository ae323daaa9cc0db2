using System.Text;
using ConstitutionHub.Core.Documents.Text;
using Xunit.Abstractions;

namespace ConstitutionHub.Core.Tests.Documents.Text;

/// <summary>
/// A guard, not a benchmark: the bound is generous so only a gross regression (quadratic matching, a diff
/// without prefix trimming, ...) fails it on a shared two-core machine.
/// </summary>
[Collection(TimingCollection.Name)]
public sealed class PerformanceGuardTests(ITestOutputHelper output)
{
    private static readonly string[] Vocabulary =
        ("the model answers questions honestly and says when it is unsure about facts sources numbers readers library " +
         "books catalogue privacy tone humour warmth directness careful clear short detailed examples rules limits " +
         "should never always explain reason disagree politely help people learn find read borrow return late fines")
        .Split(' ');

    [Fact]
    public void Given_a_one_megabyte_document_When_rendered_parsed_and_diffed_Then_it_takes_well_under_two_seconds()
    {
        var (old, edited) = LargeRevisions(sections: 500, seed: 7);
        Assert.InRange(Encoding.UTF8.GetByteCount(old), 1_000_000, 1_200_000);
        // Warm up the JIT on a small document so the bound measures the algorithms.
        RevisionDiff.Compare(Samples.Constitution, Samples.Constitution + "\n## X\n");
        MarkdownRenderer.RenderHtml(Samples.Constitution);

        var total = CpuTimer.Start();
        var render = CpuTimer.Time(() => MarkdownRenderer.RenderHtml(old));
        var parse = CpuTimer.Time(() => SectionParser.Parse(old));
        var diff = CpuTimer.Time(() => RevisionDiff.Compare(old, edited));
        var (cpu, wall) = (total.CpuMilliseconds, total.WallMilliseconds);

        var result = RevisionDiff.Compare(old, edited);
        output.WriteLine($"CPU ms: render {render.Cpu}, parse {parse.Cpu}, diff {diff.Cpu}, total {cpu} (wall {wall})");
        output.WriteLine($"sections {result.Sections.Count}: moved {result.Count(SectionChange.Moved)}, modified {result.Count(SectionChange.Modified)}, " +
                         $"added {result.Count(SectionChange.Added)}, removed {result.Count(SectionChange.Removed)}");
        Assert.Equal(5, result.Count(SectionChange.Added));
        Assert.Equal(5, result.Count(SectionChange.Removed));
        Assert.True(cpu < 2000, $"took {cpu} ms of CPU (render {render.Cpu}, parse {parse.Cpu}, diff {diff.Cpu})");
    }

    [Fact]
    public void Given_a_one_megabyte_document_When_ids_are_assigned_merged_and_compiled_Then_each_stays_under_two_seconds()
    {
        var (old, edited) = LargeRevisions(sections: 500, seed: 11);
        var (_, theirs) = LargeRevisions(sections: 500, seed: 12);
        var previous = SectionIdentity.Assign([], SectionParser.Parse(old), () => Guid.NewGuid().ToString("N"));

        IReadOnlyList<SectionInfo> current = [];
        var assign = CpuTimer.Time(() => current = SectionIdentity.Assign(previous, SectionParser.Parse(edited), () => Guid.NewGuid().ToString("N"))).Cpu;
        var merge = CpuTimer.Time(() => ThreeWayMerge.Merge(old, edited, theirs)).Cpu;
        var compile = CpuTimer.Time(() => PromptCompiler.Compile(edited, current, Recipe.Default)).Cpu;

        output.WriteLine($"CPU ms: assign {assign}, merge {merge}, compile {compile}");
        Assert.True(assign < 2000 && merge < 2000 && compile < 2000, $"CPU ms: assign {assign}, merge {merge}, compile {compile}");
    }

    /// <summary>
    /// Sections of about 2 KB (every tenth with variants); the second revision edits 20 sections, renames 5,
    /// moves 5, removes 5 and adds 5.
    /// </summary>
    private static (string Old, string Edited) LargeRevisions(int sections, int seed)
    {
        var random = new Random(42);
        var texts = new List<string>();
        for (var i = 0; i < sections; i++) texts.Add(Section(random, $"Rule {i}: {Vocabulary[i % Vocabulary.Length]}", i % 10 == 0));
        var old = string.Concat(texts);

        var edits = new Random(seed);
        for (var k = 0; k < 20; k++)
        {
            var i = edits.Next(texts.Count);
            texts[i] = texts[i].Replace(" the ", " a ", StringComparison.Ordinal);
        }
        for (var k = 0; k < 5; k++)
        {
            var i = edits.Next(texts.Count);
            texts[i] = "## Renamed " + k + texts[i][texts[i].IndexOf('\n')..];
        }
        for (var k = 0; k < 5; k++)
        {
            var i = edits.Next(texts.Count);
            var moved = texts[i];
            texts.RemoveAt(i);
            texts.Insert(edits.Next(texts.Count), moved);
        }
        for (var k = 0; k < 5; k++) texts.RemoveAt(edits.Next(texts.Count));
        for (var k = 0; k < 5; k++) texts.Insert(edits.Next(texts.Count), Section(edits, $"Added rule {k}", false));
        return (old, string.Concat(texts));
    }

    private static string Section(Random random, string heading, bool withVariants)
    {
        var builder = new StringBuilder($"## {heading}\n\n");
        void Paragraph(int words)
        {
            for (var w = 0; w < words; w++)
            {
                builder.Append(Vocabulary[random.Next(Vocabulary.Length)]);
                builder.Append(w % 14 == 13 ? "\n" : " ");
            }
            builder.Append("\n\n");
        }
        Paragraph(150);
        if (withVariants)
        {
            builder.Append(":::variant default\n");
            Paragraph(60);
            builder.Append(":::\n\n:::variant lower\n");
            Paragraph(60);
            builder.Append(":::\n\n");
        }
        else
        {
            Paragraph(150);
        }
        return builder.ToString();
    }
}
