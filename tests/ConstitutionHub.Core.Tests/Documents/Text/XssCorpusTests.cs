using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

/// <summary>
/// Renders every entry of xss-corpus.txt (entries separated by a line "----") and inspects the HTML the way a
/// browser would build it (AngleSharp's HTML5 parser and WHATWG URL parser).
/// </summary>
public sealed class XssCorpusTests
{
    private const string PageUrl = "https://constitutionhub.example/docs/aster";
    private static readonly string[] ForbiddenElements =
        ["script", "iframe", "object", "embed", "style", "base", "link", "meta", "form", "frame", "frameset",
         "applet", "svg", "math", "template", "noscript", "textarea", "xmp"];
    private static readonly string[] UrlAttributes =
        ["href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background", "data", "cite",
         "longdesc", "ping", "manifest", "codebase", "lowsrc", "dynsrc"];
    private static readonly string[] AllowedSchemes = ["http", "https", "mailto"];

    public static TheoryData<int, string> Payloads()
    {
        var data = new TheoryData<int, string>();
        var entries = ReadCorpus();
        for (var i = 0; i < entries.Count; i++) data.Add(i + 1, entries[i]);
        return data;
    }

    [Fact]
    public void Given_the_corpus_file_When_it_is_read_Then_it_holds_at_least_sixty_distinct_payloads()
    {
        var entries = ReadCorpus();

        Assert.True(entries.Count >= 60, $"only {entries.Count} payloads");
        Assert.Equal(entries.Count, entries.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Given_a_hostile_payload_When_rendered_Then_the_html_has_no_script_no_handlers_and_only_allowed_urls(int entry, string payload)
    {
        var html = MarkdownRenderer.RenderHtml(payload);

        var document = new HtmlParser().ParseDocument("<!DOCTYPE html><html><body>" + html + "</body></html>");
        var baseUrl = new Url(PageUrl);
        foreach (var element in document.Body!.QuerySelectorAll("*"))
        {
            Assert.False(ForbiddenElements.Contains(element.LocalName), $"entry {entry}: <{element.LocalName}> in {html}");
            foreach (var attribute in element.Attributes)
            {
                var name = attribute.Name.ToLowerInvariant();
                Assert.False(name.StartsWith("on", StringComparison.Ordinal), $"entry {entry}: handler {name} in {html}");
                if (name == "style")
                {
                    var style = attribute.Value.ToLowerInvariant();
                    Assert.False(style.Contains("url(") || style.Contains("expression") || style.Contains("script"),
                        $"entry {entry}: style '{attribute.Value}'");
                }
                if (!UrlAttributes.Contains(name)) continue;
                var resolved = new Url(baseUrl, attribute.Value);
                Assert.False(resolved.IsInvalid, $"entry {entry}: {name}='{attribute.Value}' is not a valid URL");
                Assert.Contains(resolved.Scheme.ToLowerInvariant(), AllowedSchemes);
                Assert.False(LooksDangerous(attribute.Value), $"entry {entry}: {name}='{attribute.Value}'");
            }
        }
    }

    /// <summary>A second, independent reading of the raw attribute: trim, drop tab/newline, lower-case.</summary>
    private static bool LooksDangerous(string value)
    {
        var cleaned = new string(value.Trim('\0', ' ', '\u0001', '\u0002', '\u0003', '\u0004', '\u0005', '\u0006', '\u0007',
                '\b', '\f', '\u000e', '\u000f', '\u0010', '\u0011', '\u0012', '\u0013', '\u0014', '\u0015', '\u0016', '\u0017',
                '\u0018', '\u0019', '\u001a', '\u001b', '\u001c', '\u001d', '\u001e', '\u001f', '\t', '\n', '\r')
            .Where(c => c is not ('\t' or '\n' or '\r')).ToArray()).ToLowerInvariant();
        return cleaned.StartsWith("javascript:", StringComparison.Ordinal) || cleaned.StartsWith("vbscript:", StringComparison.Ordinal) ||
               cleaned.StartsWith("data:", StringComparison.Ordinal) || cleaned.StartsWith("file:", StringComparison.Ordinal);
    }

    internal static IReadOnlyList<string> ReadCorpus()
    {
        var text = File.ReadAllText(CorpusPath()).Replace("\r\n", "\n");
        return text.TrimEnd('\n').Split("\n----\n");
    }

    /// <summary>
    /// The corpus lives next to this test's source so that a browser harness can read the same file; found by
    /// walking up from the test binaries to the repository root.
    /// </summary>
    private static string CorpusPath()
    {
        const string relative = "tests/ConstitutionHub.Core.Tests/Documents/Text/xss-corpus.txt";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var copied = Path.Combine(dir.FullName, "xss-corpus.txt");
            if (File.Exists(copied)) return copied;
            var inRepo = Path.Combine(dir.FullName, relative);
            if (File.Exists(inRepo)) return inRepo;
        }
        throw new FileNotFoundException($"Cannot find {relative} above {AppContext.BaseDirectory}.");
    }
}
