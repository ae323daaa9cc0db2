using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.Tests.Chats;

namespace ConstitutionHub.Core.Tests.PromptSets;

/// <summary>Prompt sets on the real event store: versions, ownership, conflicts, and items from chat turns.</summary>
public sealed class PromptSetsTests : IAsyncLifetime
{
    private ChatTestHost host = null!;
    private ConstitutionHub.Core.PromptSets.PromptSets sets = null!;

    private static PromptItem Item(string id, string prompt, params string[] tags) => new(id, [new PromptTurn("user", prompt)], tags);

    public async Task InitializeAsync()
    {
        host = await ChatTestHost.CreateAsync(nameof(PromptSetsTests));
        sets = new ConstitutionHub.Core.PromptSets.PromptSets(host.Store, host.DataSource);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Every_version_reads_back_as_it_was()
    {
        var created = await sets.CreateAsync(ChatTestHost.Ada, "Safety basics", "", [Item("q1", "One"), Item("q2", "Two")], Guid.NewGuid());
        var id = created.State.Id;
        Assert.Equal(2, created.State.Version);

        await sets.SaveItemsAsync(ChatTestHost.Ada, id, 2, [Item("q2", "Two, reworded", "edited"), Item("q3", "Three")], "form", Guid.NewGuid());
        await sets.RemoveItemsAsync(ChatTestHost.Ada, id, 3, ["q1"], Guid.NewGuid());

        var v2 = (await sets.ReadAsync(id, 2))!.State;
        var v4 = (await sets.ReadAsync(id))!.State;
        Assert.Equal(["q1", "q2"], v2.Items.Select(i => i.Id));
        Assert.Equal("Two", v2.Items[1].Prompt);
        Assert.Equal(["q2", "q3"], v4.Items.Select(i => i.Id));
        Assert.Equal("Two, reworded", v4.Items[0].Prompt);
        Assert.Equal(4, v4.Version);
        Assert.Null(await sets.ReadAsync(id, 5));
        Assert.Contains(await sets.ListAsync(), r => r.Id == id && r.Version == 4 && r.OwnerName == "Ada");
    }

    [Fact]
    public async Task A_stale_version_is_a_conflict_and_changes_nothing()
    {
        var id = (await sets.CreateAsync(ChatTestHost.Ada, "Set", "", [Item("q1", "One")], Guid.NewGuid())).State.Id;
        await sets.SaveItemsAsync(ChatTestHost.Ada, id, 2, [Item("q2", "Two")], "form", Guid.NewGuid());

        await Assert.ThrowsAsync<WrongExpectedVersionException>(() =>
            sets.SaveItemsAsync(ChatTestHost.Ada, id, 2, [Item("q3", "Three")], "form", Guid.NewGuid()));
        Assert.Equal(["q1", "q2"], (await sets.ReadAsync(id))!.State.Items.Select(i => i.Id));
    }

    [Fact]
    public async Task Only_the_owner_changes_a_set()
    {
        var id = (await sets.CreateAsync(ChatTestHost.Ada, "Set", "", [Item("q1", "One")], Guid.NewGuid())).State.Id;
        await Assert.ThrowsAsync<ForbiddenException>(() => sets.SaveItemsAsync(ChatTestHost.Bea, id, 2, [Item("q2", "Two")], "form", Guid.NewGuid()));
        Assert.Equal(2, (await sets.ReadAsync(id))!.State.Version);
    }

    [Fact]
    public async Task A_retried_create_makes_one_set()
    {
        var command = Guid.NewGuid();
        var first = await sets.CreateAsync(ChatTestHost.Ada, "Once", "", [Item("q1", "One")], command);
        var again = await sets.CreateAsync(ChatTestHost.Ada, "Once", "", [Item("q1", "One")], command);
        Assert.Equal(first.State.Id, again.State.Id);
        Assert.Single(await sets.ListAsync(), r => r.Name == "Once");
    }

    [Fact]
    public async Task An_item_from_a_chat_turn_carries_the_conversation_up_to_that_turn()
    {
        var chat = await host.StartAsync();
        var (q1, a1) = await host.TurnAsync(chat.Id, null, "What do you value?", "Honesty ", "first.");
        var (q2, _) = await host.TurnAsync(chat.Id, a1, "Even when it hurts?", "Yes.");
        var thread = (await host.Queries.ThreadAsync(chat.Id))!;

        var item = ConstitutionHub.Core.PromptSets.PromptSets.ItemFromChat(thread, q2, ["values"], "Stays honest, kindly.");

        Assert.Equal(["user", "assistant", "user"], item.Turns.Select(t => t.Role));
        Assert.Equal(["What do you value?", "Honesty first.", "Even when it hurts?"], item.Turns.Select(t => t.Content));
        Assert.Equal(["from-chat", "values"], item.Tags);
        Assert.Throws<ValidationException>(() => ConstitutionHub.Core.PromptSets.PromptSets.ItemFromChat(thread, a1, [], null));
        var id = (await sets.CreateAsync(ChatTestHost.Ada, "From chats", "", [item], Guid.NewGuid())).State.Id;
        Assert.Equal(item.Turns, (await sets.ReadAsync(id))!.State.Items.Single().Turns);
        _ = q1;
    }
}
