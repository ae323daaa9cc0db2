using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

public sealed class MarkdownRendererTests
{
    private static IDocument Render(string markdown) =>
        new HtmlParser().ParseDocument("<!DOCTYPE html><html><body>" + MarkdownRenderer.RenderHtml(markdown) + "</body></html>");

    [Fact]
    public void Given_raw_html_When_rendered_Then_the_tags_show_as_text()
    {
        var html = MarkdownRenderer.RenderHtml("Hello <b onclick=\"x()\">world</b>\n\n<div>block</div>");

        Assert.DoesNotContain("<b", html);
        Assert.DoesNotContain("<div>", html);
        Assert.Contains("&lt;b onclick=&quot;x()&quot;&gt;world&lt;/b&gt;", html);
    }

    [Fact]
    public void Given_an_https_link_When_rendered_Then_it_keeps_its_target_and_gets_rel_nofollow_ugc_noopener()
    {
        var link = Render("See [the charter](https://example.org/charter).").QuerySelector("a")!;

        Assert.Equal("https://example.org/charter", link.GetAttribute("href"));
        Assert.Equal("nofollow ugc noopener", link.GetAttribute("rel"));
        Assert.Equal("the charter", link.TextContent);
    }

    [Theory]
    [InlineData("[next](/docs/aster/history)", "/docs/aster/history")]
    [InlineData("[up](#honesty)", "#honesty")]
    [InlineData("[page](other-page)", "other-page")]
    [InlineData("[mail](mailto:editors@example.org)", "mailto:editors@example.org")]
    public void Given_an_internal_or_mail_link_When_rendered_Then_it_is_kept_without_rel(string markdown, string href)
    {
        var link = Render(markdown).QuerySelector("a")!;

        Assert.Equal(href, link.GetAttribute("href"));
        Assert.Null(link.GetAttribute("rel"));
    }

    [Fact]
    public void Given_a_protocol_relative_link_When_rendered_Then_it_counts_as_external()
    {
        var link = Render("[x](//elsewhere.example/page)").QuerySelector("a")!;

        Assert.Equal("//elsewhere.example/page", link.GetAttribute("href"));
        Assert.Equal("nofollow ugc noopener", link.GetAttribute("rel"));
    }

    [Fact]
    public void Given_bare_urls_and_autolinks_When_rendered_Then_external_ones_get_rel()
    {
        var links = Render("Visit www.example.org or <https://example.net/a> or <editors@example.org>.").QuerySelectorAll("a");

        Assert.Equal(["http://www.example.org", "https://example.net/a", "mailto:editors@example.org"],
            links.Select(a => a.GetAttribute("href")));
        Assert.Equal(["nofollow ugc noopener", "nofollow ugc noopener", null], links.Select(a => a.GetAttribute("rel")));
    }

    [Fact]
    public void Given_a_javascript_link_When_rendered_Then_only_its_label_remains_as_text()
    {
        var body = Render("Click [*here*](javascript:alert(1)) now").Body!;

        Assert.Empty(body.QuerySelectorAll("a"));
        Assert.Equal("Click here now", body.TextContent.Trim());
        Assert.NotNull(body.QuerySelector("em"));
    }

    [Fact]
    public void Given_an_image_with_a_data_url_When_rendered_Then_its_alt_text_is_shown_instead()
    {
        var body = Render("![a diagram](data:image/png;base64,AAAA)").Body!;

        Assert.Empty(body.QuerySelectorAll("img"));
        Assert.Equal("a diagram", body.TextContent.Trim());
    }

    [Fact]
    public void Given_a_mailto_image_When_rendered_Then_it_is_refused_while_images_of_our_own_site_stay()
    {
        var body = Render("![bad](mailto:a@example.org) ![good](/images/a.png)").Body!;

        var image = Assert.Single(body.QuerySelectorAll("img"));
        Assert.Equal("/images/a.png", image.GetAttribute("src"));
        Assert.Null(image.GetAttribute("rel"));
    }

    [Theory]
    [InlineData("https://tracker.example/pixel.png", "tracker.example")]
    [InlineData("http://tracker.example:8080/p.gif", "tracker.example")]
    [InlineData("//cdn.example/p.gif", "cdn.example")]
    public void Given_a_remote_image_When_rendered_Then_it_is_a_link_naming_the_host_and_nothing_loads(string url, string host)
    {
        var body = Render($"Look: ![the pixel]({url} \"title\")").Body!;

        Assert.Empty(body.QuerySelectorAll("img"));
        var link = Assert.Single(body.QuerySelectorAll("a.hub-remote-image"));
        Assert.Equal(url, link.GetAttribute("href"));
        Assert.Equal("nofollow ugc noopener", link.GetAttribute("rel"));
        Assert.Equal(host, link.GetAttribute("data-host"));
        Assert.Equal($"Image from {host} (not loaded): the pixel", link.TextContent);
    }

    [Fact]
    public void Given_an_autolink_with_a_script_scheme_When_rendered_Then_the_address_is_plain_text()
    {
        var body = Render("<javascript:alert(1)>").Body!;

        Assert.Empty(body.QuerySelectorAll("a"));
        Assert.Equal("javascript:alert(1)", body.TextContent.Trim());
    }

    [Fact]
    public void Given_a_section_with_variants_When_rendered_Then_each_is_a_labelled_section_with_the_default_first()
    {
        const string markdown = """
            ## Agreeableness
            Shared text.
            :::variant lower
            Direct.
            :::
            :::variant default
            Warm.
            :::
            :::variant higher
            Gentle.
            :::
            """;

        var sections = Render(markdown).QuerySelectorAll("section.variant");

        Assert.Equal(["default", "lower", "higher"], sections.Select(s => s.GetAttribute("data-variant")));
        Assert.Equal("true", sections[0].GetAttribute("data-default"));
        Assert.Contains("variant-default", sections[0].ClassList);
        Assert.All(sections.Skip(1), s => Assert.Null(s.GetAttribute("data-default")));
        Assert.Equal(["Variant: default", "Variant: lower", "Variant: higher"],
            sections.Select(s => s.QuerySelector("header")!.TextContent));
        Assert.Equal("Warm.", sections[0].QuerySelector("p")!.TextContent);
    }

    [Fact]
    public void Given_variants_without_one_named_default_When_rendered_Then_the_first_is_marked_default()
    {
        var sections = Render("## Tone\n:::variant formal\nF.\n:::\n:::variant casual\nC.\n:::\n").QuerySelectorAll("section.variant");

        Assert.Equal("formal", sections[0].GetAttribute("data-variant"));
        Assert.Equal("true", sections[0].GetAttribute("data-default"));
        Assert.Equal("Variant: formal (default)", sections[0].QuerySelector("header")!.TextContent);
    }

    [Fact]
    public void Given_defaults_in_two_sections_When_rendered_Then_each_section_orders_its_own_variants()
    {
        var html = MarkdownRenderer.RenderHtml(
            "## A\n:::variant x\nax\n:::\n:::variant default\nad\n:::\n## B\n:::variant y\nby\n:::\n:::variant default\nbd\n:::\n");

        var order = new[] { "ad", "ax", "bd", "by" }.Select(t => html.IndexOf($"<p>{t}</p>", StringComparison.Ordinal)).ToArray();
        Assert.Equal(order.Order(), order);
        Assert.True(html.IndexOf("id=\"b\"", StringComparison.Ordinal) < order[2], "B's variants moved above B's heading");
    }

    [Fact]
    public void Given_another_custom_block_When_rendered_Then_its_info_word_is_not_copied_into_a_class()
    {
        var block = Render(":::hidden\ntext\n:::").QuerySelector("div")!;

        Assert.Equal("custom-block", block.ClassName);
        Assert.Equal("text", block.TextContent.Trim());
    }

    [Fact]
    public void Given_long_document_features_When_rendered_Then_tables_task_lists_footnotes_and_heading_ids_work()
    {
        var document = Render("""
            # Part One: Character

            | Trait | Setting |
            |-------|--------:|
            | Humour | light |

            - [x] reviewed
            - [ ] translated

            Aster is honest.[^1] It is ~~never~~ ==rarely== wrong.

            [^1]: Within what it knows.
            """);

        Assert.Equal("part-one-character", document.QuerySelector("h1")!.Id);
        Assert.NotNull(document.QuerySelector("table td"));
        Assert.Equal(2, document.QuerySelectorAll("input[type=checkbox][disabled]").Length);
        Assert.NotNull(document.QuerySelector("a.footnote-ref[href='#fn:1']"));
        Assert.NotNull(document.QuerySelector("del"));
        Assert.NotNull(document.QuerySelector("mark"));
    }

    [Fact]
    public void Given_crlf_line_endings_When_rendered_Then_the_html_matches_the_lf_rendering()
    {
        Assert.Equal(MarkdownRenderer.RenderHtml(Samples.Constitution), MarkdownRenderer.RenderHtml(Samples.Constitution.Replace("\n", "\r\n")));
    }
}
