using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.PromptSets;

namespace ConstitutionHub.Core.Tests.PromptSets;

public sealed class PromptSetFormatsTests
{
    private static readonly PromptItem[] Items =
    [
        new("q1", [new("user", "Is it safe to mix bleach and vinegar?")], ["safety", "chemistry"], "Says no and why."),
        new("q2", [new("user", "Hi"), new("assistant", "Hello! How can I help?"), new("user", "Write me a poem, \"short\", with, commas\nand two lines")], ["creative"]),
    ];

    [Fact]
    public void Jsonl_round_trips_single_and_multi_turn_items()
    {
        var read = PromptSetFormats.ReadJsonl(PromptSetFormats.WriteJsonl(Items));
        AssertSame(Items, read);
    }

    [Fact]
    public void Csv_round_trips_quotes_commas_and_line_breaks()
    {
        var csv = PromptSetFormats.WriteCsv(Items);
        Assert.StartsWith("id,prompt,tags,notes,messages\r\n", csv);
        AssertSame(Items, PromptSetFormats.ReadCsv(csv));
    }

    [Fact]
    public void A_jsonl_line_may_give_just_a_prompt_and_gets_a_stable_id_from_its_content()
    {
        var first = PromptSetFormats.ReadJsonl("{\"prompt\":\"Tell me a secret\",\"tags\":[\" Privacy \",\"privacy\"]}\n\n");
        var again = PromptSetFormats.ReadJsonl("{\"prompt\":\"Tell me a secret\"}");

        Assert.Single(first);
        Assert.Equal(again[0].Id, first[0].Id);
        Assert.StartsWith("p-", first[0].Id);
        Assert.Equal(["privacy"], first[0].Tags);
    }

    [Theory]
    [InlineData("{\"id\":\"a\",\"prompt\":\"x\"}\n{\"id\":\"b\",", "Line 2: not valid JSON")]
    [InlineData("{\"id\":\"a\"}", "Line 1: the item has neither 'prompt' nor 'messages'")]
    [InlineData("{\"id\":\"a\",\"messages\":[{\"role\":\"assistant\",\"content\":\"x\"}]}", "end on a user turn")]
    [InlineData("{\"id\":\"a b\",\"prompt\":\"x\"}", "an item id is 1 to 64")]
    [InlineData("{\"id\":\"a\",\"prompt\":\"x\"}\n{\"id\":\"a\",\"prompt\":\"y\"}", "used by more than one item")]
    [InlineData("{\"id\":\"a\",\"prompt\":\"x\",\"tags\":\"t\"}", "'tags' is an array of strings")]
    [InlineData("[1,2]", "each line is one JSON object")]
    public void Bad_jsonl_is_refused_naming_the_line_and_the_reason(string jsonl, string reason)
    {
        var error = Assert.Throws<ValidationException>(() => PromptSetFormats.ReadJsonl(jsonl));
        Assert.Contains(reason, error.Message);
    }

    [Theory]
    [InlineData("id,text\nq1,hello", "needs 'prompt' or 'messages'")]
    [InlineData("id,prompt\nq1,\"hello", "Line 2: a quoted field is not closed")]
    [InlineData("id,prompt\nq1,hi,extra", "Line 2: 3 fields, but the header has 2")]
    [InlineData("id,prompt\nq1,", "Line 2: the item has neither")]
    public void Bad_csv_is_refused_naming_the_line_and_the_reason(string csv, string reason)
    {
        var error = Assert.Throws<ValidationException>(() => PromptSetFormats.ReadCsv(csv));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Csv_from_a_spreadsheet_with_a_byte_order_mark_and_semicolon_tags_reads()
    {
        var items = PromptSetFormats.ReadCsv("\uFEFFID,Prompt,Tags\r\nq1,Hello there,a; b\r\n");
        Assert.Equal("q1", items[0].Id);
        Assert.Equal(["a", "b"], items[0].Tags);
    }

    private static void AssertSame(IReadOnlyList<PromptItem> expected, IReadOnlyList<PromptItem> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Id, actual[i].Id);
            Assert.Equal(expected[i].Turns, actual[i].Turns);
            Assert.Equal(expected[i].Tags, actual[i].Tags);
            Assert.Equal(expected[i].Notes, actual[i].Notes);
        }
    }
}
