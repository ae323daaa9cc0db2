using System.Net;
using System.Xml;
using ConstitutionHub.Web.Features.Sharing;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Sharing;

/// <summary>Text that XML cannot carry (U+FFFF and other non-characters) still gets a chat its preview image.</summary>
public sealed class SharePreviewTextTests : IAsyncLifetime
{
    private HubServer server = null!;
    private SharedChats chats = null!;

    public async Task InitializeAsync()
    {
        server = await HubServer.StartAsync(nameof(SharePreviewTextTests));
        chats = new SharedChats(server);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_chat_with_non_characters_gets_its_preview_png_from_well_formed_svg()
    {
        var owner = await server.SignedInClientAsync("Ada");
        var chat = await chats.StartAsync("Odd \uFFFF title");
        await chats.TurnAsync(chat.Id, null, "What is \uFFFF or \uFFFE or \uFDD0?", "Non-characters: \uFFFF \uFDEF \U0010FFFF, and a \U0001F600.");
        var token = await SharedChats.CreateLinkAsync(owner, chat.Id, "snapshot");

        var response = await server.Client().GetAsync($"/s/{token}/preview.png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var png = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        // What goes to rsvg-convert is XML 1.0 that a strict reader accepts, the emoji kept.
        var thread = await chats.Queries.ThreadAsync(chat.Id);
        var svg = SharePreview.Svg(thread!);
        using (var reader = XmlReader.Create(new StringReader(svg), new XmlReaderSettings { CheckCharacters = true }))
            while (reader.Read()) { }
        Assert.Contains("&#128512;", svg, StringComparison.Ordinal); // the emoji, as HtmlEncode writes it
        Assert.DoesNotContain('\uFFFF', svg);
    }

    [Fact]
    public void Text_for_the_svg_drops_what_xml_forbids()
    {
        // Built in code: a lone surrogate does not survive in an attribute's data.
        Assert.Equal("ab", SharePreview.E("a" + '\uD800' + "b"));
        Assert.Equal("ab", SharePreview.E("a" + '\uDC00' + "b"));
        Assert.Equal("ab", SharePreview.E("a" + '\uDC00' + '\uD800' + "b"));
        Assert.Equal("xyz", SharePreview.E("x\uFFFEy\uFDD0z\u0001"));
        Assert.Equal("keep &#128512; &amp; &lt;", SharePreview.E("keep \U0001F600 & <"));
    }
}
