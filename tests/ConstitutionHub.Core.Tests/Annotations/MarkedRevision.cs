using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Annotations;

/// <summary>A revision of a corpus case: its sections with ids and reading text, and where the marks were.</summary>
internal sealed record MarkedRevision(string Markdown, IReadOnlyList<SectionInfo> Sections, AnchorDocument Document, TextAnchor? Marked)
{
    /// <summary>Takes the marks out, gives the sections ids as the app does (from the previous revision's), and
    /// finds the marked range in the reading text.</summary>
    public static MarkedRevision Of(string marked, IReadOnlyList<SectionInfo> previous, Func<string> newId)
    {
        var markdown = ReanchoringCorpus.Remove(marked);
        var sections = SectionIdentity.Assign(previous, SectionParser.Parse(markdown), newId);
        var document = ReadingText.Document(markdown, sections);
        var markedSections = SectionParser.Parse(marked);
        Assert.Equal(sections.Count, markedSections.Count);
        TextAnchor? anchor = null;
        for (var i = 0; i < markedSections.Count; i++)
        {
            var text = ReadingText.Of(markedSections[i].Text);
            var open = text.IndexOf(ReanchoringCorpus.Open);
            if (open < 0) continue;
            var close = text.IndexOf(ReanchoringCorpus.Close);
            var plain = ReanchoringCorpus.Remove(text);
            // The marks must not change what the reader sees, or the expectation would be about another text.
            Assert.Equal(document.Sections[i].Text, plain);
            anchor = TextAnchor.At(document.Sections[i], open, close - 1);
        }
        return new MarkedRevision(markdown, sections, document, anchor);
    }
}
