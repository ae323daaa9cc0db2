using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Documents.Text;

public sealed class UrlPolicyTests
{
    [Theory]
    [InlineData("https://example.org/a?b=c#d")]
    [InlineData("HTTP://EXAMPLE.ORG")]
    [InlineData("mailto:editors@example.org")]
    [InlineData("/docs/aster")]
    [InlineData("#honesty")]
    [InlineData("history?rev=3")]
    [InlineData("../other")]
    [InlineData("//example.org/x")]
    [InlineData("")]
    [InlineData("./a:b")]
    public void Given_a_web_mail_or_relative_url_When_checked_as_link_Then_it_is_allowed(string url)
    {
        Assert.True(UrlPolicy.IsAllowedLink(url));
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("JaVaScRiPt:alert(1)")]
    [InlineData("  javascript:alert(1)")]
    [InlineData("\u0001\u0002javascript:alert(1)")]
    [InlineData("java\tscript:alert(1)")]
    [InlineData("java\nscript:alert(1)")]
    [InlineData("java\r\nscript:alert(1)")]
    [InlineData("javascript:alert(1)\u0000")]
    [InlineData("vbscript:msgbox(1)")]
    [InlineData("data:text/html,<script>alert(1)</script>")]
    [InlineData("file:///etc/passwd")]
    [InlineData("c:\\windows\\system32")]
    [InlineData("ftp://example.org")]
    [InlineData("tel:+123")]
    [InlineData("%6Aavascript:alert(1)")]
    [InlineData("javascript%3Aalert(1)")]
    [InlineData("%256Aavascript:alert(1)")]
    [InlineData("&#106;avascript:alert(1)")]
    [InlineData("java&#x09;script:alert(1)")]
    public void Given_a_script_data_file_or_disguised_url_When_checked_as_link_Then_it_is_refused(string url)
    {
        Assert.False(UrlPolicy.IsAllowedLink(url));
        Assert.False(UrlPolicy.IsAllowedImage(url));
    }

    [Fact]
    public void Given_a_mailto_url_When_checked_as_image_Then_it_is_refused()
    {
        Assert.False(UrlPolicy.IsAllowedImage("mailto:a@example.org"));
        Assert.True(UrlPolicy.IsAllowedImage("https://example.org/a.png"));
        Assert.True(UrlPolicy.IsAllowedImage("/images/a.png"));
    }

    [Theory]
    [InlineData("https://example.org", true)]
    [InlineData("http://example.org", true)]
    [InlineData("//example.org", true)]
    [InlineData("\\\\example.org", true)]
    [InlineData("/\\example.org", true)]
    [InlineData("/docs", false)]
    [InlineData("#top", false)]
    [InlineData("mailto:a@example.org", false)]
    public void Given_a_url_When_asked_whether_it_leaves_the_site_Then_protocol_relative_forms_count_as_external(string url, bool external)
    {
        Assert.Equal(external, UrlPolicy.IsExternal(url));
    }
}
