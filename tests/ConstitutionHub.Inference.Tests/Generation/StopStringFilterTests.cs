using ConstitutionHub.Inference.Generation;

namespace ConstitutionHub.Inference.Tests.Generation;

public sealed class StopStringFilterTests
{
    private static (string Text, bool Stopped) Feed(string[] stops, params string[] deltas)
    {
        var filter = new StopStringFilter(stops);
        string text = string.Concat(deltas.Select(filter.Push));
        return (text + filter.Flush(), filter.Stopped);
    }

    [Fact]
    public void A_stop_string_split_across_deltas_never_shows()
    {
        var filter = new StopStringFilter(["</answer>"]);
        Assert.Equal("The answer is 4", filter.Push("The answer is 4<"));
        Assert.Equal("", filter.Push("/ans"));
        Assert.Equal("", filter.Push("wer> and more"));
        Assert.True(filter.Stopped);
        Assert.Equal("", filter.Flush());
    }

    [Fact]
    public void A_partial_match_that_goes_nowhere_is_released()
    {
        var filter = new StopStringFilter(["STOP"]);
        Assert.Equal("a ", filter.Push("a ST"));
        Assert.Equal("STaRT", filter.Push("aRT"));
        Assert.Equal(("a STaRT end ST", false), Feed(["STOP"], "a ST", "aRT", " end ST"));
    }

    [Fact]
    public void The_earliest_of_several_stop_strings_wins()
    {
        Assert.Equal(("one ", true), Feed(["three", "two"], "one two three"));
    }

    [Fact]
    public void Without_stop_strings_text_passes_through()
    {
        Assert.Equal(("abc", false), Feed([], "a", "b", "c"));
    }
}
