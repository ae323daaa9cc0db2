using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;

namespace ConstitutionHub.Core.Tests.Chats;

/// <summary>"Continue as a copy" of a shared chat: the reader gets a chat of their own holding the shared branch.</summary>
public sealed class ChatCopyTests : IAsyncLifetime
{
    private ChatTestHost host = null!;
    private ShareLinks shares = null!;

    public async Task InitializeAsync()
    {
        host = await ChatTestHost.CreateAsync(nameof(ChatCopyTests));
        shares = new ShareLinks(host.Store, host.DataSource, host.Queries);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_copy_belongs_to_the_reader_and_holds_the_shared_branch_only()
    {
        var chat = await host.StartAsync(title: "Original");
        var (q1, _) = await host.TurnAsync(chat.Id, null, "First question", "First ", "answer");
        await host.TurnAsync(chat.Id, null, "Edited first question", "Other answer");
        var link = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live);
        var shared = (await shares.OpenAsync(link.Token))!;

        var copy = await host.Commands.CopyAsync(ChatTestHost.Bea, shared.Thread, Guid.NewGuid());

        var thread = (await host.Queries.ThreadAsync(copy.Id))!;
        Assert.Equal(ChatTestHost.Bea.Id, thread.Chat.OwnerId);
        Assert.Equal("Copy of Original", thread.Chat.Title);
        Assert.Equal(["Edited first question", "Other answer"], thread.Branch.Select(m => m.Text));
        Assert.DoesNotContain(thread.Messages, m => m.Text == "First question");
        Assert.Equal(shared.Thread.Provenance.PromptHash, thread.Provenance.PromptHash);
        // The reader can go on writing in the copy.
        await host.Commands.PostUserMessageAsync(ChatTestHost.Bea, copy.Id, thread.Branch[^1].Id, "And then?", Guid.NewGuid());
        Assert.NotEqual(q1, thread.Branch[0].Id);
    }

    [Fact]
    public async Task A_copy_of_a_link_hiding_its_prompt_is_compiled_again_from_the_revision()
    {
        var chat = await host.StartAsync();
        await host.TurnAsync(chat.Id, null, "Question", "Answer");
        var link = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot, hideSystemPrompt: true);
        var shared = (await shares.OpenAsync(link.Token))!;
        Assert.Equal("", shared.Thread.Provenance.SystemPrompt);

        var copy = await host.Commands.CopyAsync(ChatTestHost.Bea, shared.Thread, Guid.NewGuid());

        var thread = (await host.Queries.ThreadAsync(copy.Id))!;
        Assert.Equal(shared.Thread.Provenance.PromptHash, thread.Provenance.PromptHash);
        Assert.Contains("The model says what it believes is true.", thread.Provenance.SystemPrompt);
    }

    [Fact]
    public async Task A_copy_stops_before_a_reply_still_streaming_and_a_retried_copy_is_applied_once()
    {
        var chat = await host.StartAsync();
        var (_, a1) = await host.TurnAsync(chat.Id, null, "Question", "Answer");
        var q2 = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, a1, "Second", Guid.NewGuid());
        var r2 = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, q2, null, "node-a", Guid.NewGuid());
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, r2, "half", 1, Guid.NewGuid());
        var source = (await host.Queries.ThreadAsync(chat.Id))!;
        var command = Guid.NewGuid();

        var first = await host.Commands.CopyAsync(ChatTestHost.Bea, source, command);
        var again = await host.Commands.CopyAsync(ChatTestHost.Bea, source, command);

        Assert.Equal(first.Id, again.Id);
        var thread = (await host.Queries.ThreadAsync(first.Id))!;
        Assert.Equal(["Question", "Answer", "Second"], thread.Branch.Select(m => m.Text));
        Assert.Equal(ChatStatus.Idle, thread.Chat.Status);
    }

    [Fact]
    public async Task A_copy_of_a_private_constitution_is_refused_to_a_reader_who_cannot_read_it()
    {
        await host.Constitutions.CreateAsync(ChatTestHost.Ada,
            new CreateConstitution("secret", "Secret", "", Visibility.Private, ChatTestHost.Markdown, "first"), Guid.NewGuid());
        var chat = await host.Commands.StartAsync(ChatTestHost.Ada, new StartChat("secret", 1, new Dictionary<string, string>(),
            ChatTestHost.TinyModel, ChatTestHost.Sampling), Guid.NewGuid());
        await host.TurnAsync(chat.Id, null, "Question", "Answer");
        var source = (await host.Queries.ThreadAsync(chat.Id))!;

        await Assert.ThrowsAsync<NotFoundException>(() => host.Commands.CopyAsync(ChatTestHost.Bea, source, Guid.NewGuid()));
        Assert.Empty((await host.Queries.ByOwnerAsync(ChatTestHost.Bea.Id)).Items);
    }
}
