using Microsoft.Extensions.Time.Testing;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Tests.Chats;

/// <summary>Chats against a real PostgreSQL: events appended, read models in step, recovery after a restart.</summary>
public sealed class ChatCommandsTests : IAsyncLifetime
{
    private ChatTestHost host = null!;

    public async Task InitializeAsync() => host = await ChatTestHost.CreateAsync(nameof(ChatCommandsTests));

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Given_a_recipe_when_a_chat_starts_then_the_exact_provenance_is_recorded_and_read_back()
    {
        var section = await host.SectionIdAsync("Agreeableness");
        var chat = await host.StartAsync(recipe: new Dictionary<string, string> { [section] = "lower" });

        var thread = (await host.Queries.ThreadAsync(chat.Id))!;
        var p = thread.Provenance;
        var revision = (await host.ConstitutionQueries.RevisionAsync(host.Constitution.Id, 1))!;
        var expected = PromptCompiler.Compile(revision.Markdown, revision.Sections,
            new Recipe(new Dictionary<string, string> { [section] = "lower" }));
        Assert.Equal(expected.Text, p.SystemPrompt);
        Assert.Contains("does not soften disagreement", p.SystemPrompt, StringComparison.Ordinal);
        Assert.DoesNotContain("warm but says clearly", p.SystemPrompt, StringComparison.Ordinal);
        Assert.Equal(TextLines.Sha256(p.SystemPrompt), p.PromptHash);
        Assert.Equal((host.Constitution.Id, "helper", 1), (p.ConstitutionId, p.Slug, p.Revision));
        Assert.Equal("lower", p.Recipe[section]);
        Assert.Equal(ChatTestHost.TinyModel, p.Model);
        Assert.Equal(ChatTestHost.Sampling with { StopStrings = [] }, p.Sampling with { StopStrings = [] });
        Assert.Equal(["</s>", "User:"], p.Sampling.StopStrings);
        Assert.Equal((p.PromptHash, "tiny-llama", "local:ada", "Ada", 1), (chat.PromptHash, chat.ModelId, chat.OwnerId, chat.OwnerName, chat.Revision));

        // The event itself carries the same provenance: the read model can be rebuilt from it.
        var started = (ChatStarted)(await host.Store.ReadStreamAsync(ChatStream.Id(chat.Id)))[0].Data;
        Assert.True(started.Provenance.SameAs(p));
    }

    [Fact]
    public async Task Given_an_unknown_variant_in_the_recipe_when_a_chat_starts_then_the_recipe_is_refused()
    {
        var section = await host.SectionIdAsync("Agreeableness");
        var e = await Assert.ThrowsAsync<ValidationException>(() => host.StartAsync(recipe: new Dictionary<string, string> { [section] = "sideways" }));
        Assert.Equal("recipe", e.Field);
    }

    [Fact]
    public async Task Given_a_streaming_reply_when_batches_arrive_then_they_are_reassembled_in_order_with_their_token_counts()
    {
        var chat = await host.StartAsync();
        var batches = Enumerable.Range(0, 40).Select(i => $"chunk{i:00} ").ToArray();
        var (_, reply) = await host.TurnAsync(chat.Id, null, "Count for me", batches);

        var message = (await host.Queries.MessageAsync(chat.Id, reply))!;
        Assert.Equal(string.Concat(batches), message.Text);
        Assert.Equal((MessageStatus.Complete, "stop", 50, 120, 25.5, 120.0),
            (message.Status, message.FinishReason!, message.PromptTokens!.Value, message.CompletionTokens, message.TokensPerSecond!.Value, message.TimeToFirstTokenMs!.Value));
        var events = await host.Store.ReadStreamAsync(ChatStream.Id(chat.Id));
        Assert.Equal(40, events.Count(e => e.Type == "reply_tokens_appended"));
        Assert.Equal(ChatStatus.Idle, (await host.Queries.ChatAsync(chat.Id))!.Status);
    }

    [Fact]
    public async Task Given_a_retried_token_batch_when_the_same_command_id_arrives_again_then_the_text_is_appended_once()
    {
        var chat = await host.StartAsync();
        var user = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, null, "Hi", Guid.NewGuid());
        var reply = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, user, null, "node-a", Guid.NewGuid());
        var command = Guid.NewGuid();
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, reply, "Hello", 1, command);
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, reply, "Hello", 1, command);

        Assert.Equal("Hello", (await host.Queries.MessageAsync(chat.Id, reply))!.Text);
        Assert.Equal(ChatStatus.Streaming, (await host.Queries.ChatAsync(chat.Id))!.Status);
    }

    [Fact]
    public async Task Given_a_conversation_when_an_earlier_turn_is_edited_and_a_reply_regenerated_then_branches_form_a_tree()
    {
        var chat = await host.StartAsync();
        var (q1, a1) = await host.TurnAsync(chat.Id, null, "First question", "First answer");
        var (q2, a2) = await host.TurnAsync(chat.Id, a1, "Second question", "Second answer");

        // Edit the second question: a new user message with the same parent as the one edited.
        var (q2Edited, a2Edited) = await host.TurnAsync(chat.Id, a1, "Second question, rephrased", "Answer to the rephrasing");
        // Regenerate the first answer: another reply to the same user message.
        var a1Again = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, q1, null, "node-a", Guid.NewGuid());
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, a1Again, "Another first answer", 4, Guid.NewGuid());
        await host.Commands.CompleteReplyAsync(Actor.System, chat.Id, a1Again, "stop", 10, 4, 50, 30, Guid.NewGuid());

        var latest = (await host.Queries.ThreadAsync(chat.Id))!;
        Assert.Equal(7, latest.Messages.Count);
        Assert.Equal([q1, a1Again], latest.Branch.Select(m => m.Id));

        var edited = (await host.Queries.ThreadAsync(chat.Id, q2Edited))!;
        Assert.Equal([q1, a1, q2Edited, a2Edited], edited.Branch.Select(m => m.Id));
        Assert.Equal([q2, q2Edited], ChatTree.Siblings(edited.Messages, q2Edited).Select(m => m.Id));
        Assert.Equal([a1, a1Again], ChatTree.Siblings(edited.Messages, a1).Select(m => m.Id));

        // Picking an earlier message follows the newest conversation below it.
        var fromA1 = (await host.Queries.ThreadAsync(chat.Id, a1))!;
        Assert.Equal([q1, a1, q2Edited, a2Edited], fromA1.Branch.Select(m => m.Id));
        var original = (await host.Queries.ThreadAsync(chat.Id, a2))!;
        Assert.Equal(["First question", "First answer", "Second question", "Second answer"], original.Branch.Select(m => m.Text));
        Assert.Equal(3, ChatTree.Leaves(latest.Messages).Count);
    }

    [Fact]
    public async Task Given_a_turn_with_another_revision_and_model_when_the_reply_starts_then_its_own_provenance_is_recorded()
    {
        var chat = await host.StartAsync();
        await host.Constitutions.SaveAsync(ChatTestHost.Ada, "helper", ChatTestHost.Markdown.Replace("believes is true", "knows", StringComparison.Ordinal),
            "tweak", 1, Guid.NewGuid());
        var other = await host.Commands.ProvenanceAsync(ChatTestHost.Ada, "helper", 2, new Dictionary<string, string>(),
            ChatTestHost.TinyModel with { Id = "tiny-qwen", FileSha256 = new string('b', 64) }, ChatTestHost.Sampling);
        var (_, a1) = await host.TurnAsync(chat.Id, null, "Q", "A");
        var user = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, a1, "Q2", Guid.NewGuid());
        var reply = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, user, other, "node-a", Guid.NewGuid());

        var thread = (await host.Queries.ThreadAsync(chat.Id))!;
        var row = thread.Messages.Single(m => m.Id == reply);
        Assert.Equal((2, "tiny-qwen"), (row.Provenance!.Revision, row.Provenance.Model.Id));
        Assert.Contains("The model says what it knows", thread.ProvenanceOf(row).SystemPrompt, StringComparison.Ordinal);
        Assert.Null(thread.Messages.Single(m => m.Id == a1).Provenance);
        Assert.Equal(1, thread.ProvenanceOf(thread.Messages.Single(m => m.Id == a1)).Revision);
    }

    [Fact]
    public async Task Given_replies_cut_off_by_a_crash_when_the_node_restarts_then_they_are_interrupted_keeping_their_text()
    {
        var chat = await host.StartAsync();
        var user = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, null, "Tell me a story", Guid.NewGuid());
        var mine = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, user, null, "node-a", Guid.NewGuid());
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, mine, "Once upon ", 3, Guid.NewGuid());
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, mine, "a time", 5, Guid.NewGuid());
        var other = await host.StartAsync();
        var otherUser = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, other.Id, null, "Hi", Guid.NewGuid());
        var alive = await host.Commands.StartReplyAsync(ChatTestHost.Ada, other.Id, otherUser, null, "node-b", Guid.NewGuid());

        var recovery = new ChatRecovery(host.Queries, host.Commands);
        Assert.Equal(1, await recovery.MarkInterruptedAsync("node-a"));
        Assert.Equal(0, await recovery.MarkInterruptedAsync("node-a"));

        var interrupted = (await host.Queries.MessageAsync(chat.Id, mine))!;
        Assert.Equal((MessageStatus.Interrupted, "Once upon a time", 5, ChatRecovery.RestartReason),
            (interrupted.Status, interrupted.Text, interrupted.CompletionTokens, interrupted.Error!));
        Assert.Equal(ChatStatus.Idle, (await host.Queries.ChatAsync(chat.Id))!.Status);
        // Another node's reply is alive and keeps streaming.
        Assert.Equal(MessageStatus.Streaming, (await host.Queries.MessageAsync(other.Id, alive))!.Status);
        await host.Commands.AppendTokensAsync(Actor.System, other.Id, alive, "still here", 2, Guid.NewGuid());
        // The chat continues after the partial reply.
        var next = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, mine, "Go on", Guid.NewGuid());
        Assert.Equal(mine, (await host.Queries.MessageAsync(chat.Id, next))!.ParentId);

        Assert.Equal(1, await recovery.MarkInterruptedAsync());
        Assert.Equal(MessageStatus.Interrupted, (await host.Queries.MessageAsync(other.Id, alive))!.Status);
    }

    [Fact]
    public async Task Given_a_chat_when_state_is_read_from_the_read_model_then_it_equals_the_state_replayed_from_events()
    {
        var chat = await host.StartAsync();
        var (_, a1) = await host.TurnAsync(chat.Id, null, "Emoji 🦘 and accents é", "Kangaroo 🦘🦘", " done");
        var user = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, a1, "Next", Guid.NewGuid());
        var reply = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, user, null, "node-a", Guid.NewGuid());
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, reply, "Part 𝔸", 2, Guid.NewGuid());

        var fromReadModel = (await host.Queries.StateAsync(chat.Id))!;
        var replayed = ChatState.From((await host.Store.ReadStreamAsync(ChatStream.Id(chat.Id))).Select(e => e.Data));

        Assert.Equal((replayed.Id, replayed.OwnerId, replayed.Version), (fromReadModel.Id, fromReadModel.OwnerId, fromReadModel.Version));
        Assert.True(replayed.Provenance!.SameAs(fromReadModel.Provenance));
        Assert.Equal(replayed.Messages.OrderBy(m => m.Key), fromReadModel.Messages.OrderBy(m => m.Key));
        Assert.Equal("Part 𝔸".Length, fromReadModel.Messages[reply].TextLength);
    }

    [Fact]
    public async Task Given_a_node_that_never_came_back_when_its_reply_is_idle_long_enough_then_it_is_interrupted()
    {
        var chat = await host.StartAsync();
        var user = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, null, "Q", Guid.NewGuid());
        var reply = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, user, null, "node-gone", Guid.NewGuid());
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, reply, "Half an ans", 3, Guid.NewGuid());
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var recovery = new ChatRecovery(host.Queries, host.Commands, clock);

        Assert.Equal(0, await recovery.MarkStaleAsync(TimeSpan.FromHours(1)));
        Assert.Equal(MessageStatus.Streaming, (await host.Queries.MessageAsync(chat.Id, reply))!.Status);

        // Two hours on, nothing has been recorded for the reply: its node is gone.
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(1, await recovery.MarkStaleAsync(TimeSpan.FromHours(1)));
        var message = (await host.Queries.MessageAsync(chat.Id, reply))!;
        Assert.Equal((MessageStatus.Interrupted, "Half an ans", ChatRecovery.StaleReason), (message.Status, message.Text, message.Error!));
    }

    [Fact]
    public async Task Given_someone_elses_chat_when_they_post_then_it_is_forbidden()
    {
        var chat = await host.StartAsync();
        await Assert.ThrowsAsync<ForbiddenException>(() =>
            host.Commands.PostUserMessageAsync(ChatTestHost.Bea, chat.Id, null, "Let me in", Guid.NewGuid()));
        await Assert.ThrowsAsync<NotFoundException>(() =>
            host.Commands.PostUserMessageAsync(ChatTestHost.Ada, Guid.NewGuid(), null, "Nobody here", Guid.NewGuid()));
    }

    [Fact]
    public async Task Given_a_reply_streaming_when_the_owner_edits_on_another_branch_at_the_same_time_then_both_land()
    {
        var chat = await host.StartAsync();
        var user = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, null, "Q", Guid.NewGuid());
        var reply = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, user, null, "node-a", Guid.NewGuid());
        var batches = Enumerable.Range(1, 30).Select(i => $"t{i} ").ToArray();

        // The runner's appends and the owner's posts race for the stream version; each retry re-decides.
        var runner = Task.Run(async () =>
        {
            for (var i = 0; i < batches.Length; i++)
                await host.Commands.AppendTokensAsync(Actor.System, chat.Id, reply, batches[i], i + 1, Guid.NewGuid());
        });
        var editor = Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
                await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, null, $"Q edit {i}", Guid.NewGuid());
        });
        await Task.WhenAll(runner, editor);

        var thread = (await host.Queries.ThreadAsync(chat.Id))!;
        Assert.Equal(string.Concat(batches), thread.Messages.Single(m => m.Id == reply).Text);
        Assert.Equal(12, thread.Messages.Count);
    }

    [Fact]
    public async Task Given_chats_of_several_revisions_models_and_authors_when_listed_with_filters_then_only_matches_return_paged()
    {
        await host.Constitutions.SaveAsync(ChatTestHost.Ada, "helper", ChatTestHost.Markdown + "\nMore.\n", "r2", 1, Guid.NewGuid());
        var qwen = ChatTestHost.TinyModel with { Id = "tiny-qwen" };
        var a1 = await host.StartAsync(ChatTestHost.Ada, 1);
        var a2 = await host.StartAsync(ChatTestHost.Ada, 2, model: qwen);
        var b1 = await host.StartAsync(ChatTestHost.Bea, 1, model: qwen);
        var b2 = await host.StartAsync(ChatTestHost.Bea, 2);
        var id = host.Constitution.Id;

        async Task<Guid[]> Ids(ChatFilter f) => (await host.Queries.ListAsync(id, f)).Items.Select(c => c.Id).ToArray();
        Assert.Equal([b2.Id, b1.Id, a2.Id, a1.Id], await Ids(new ChatFilter()));
        Assert.Equal([b2.Id, a2.Id], await Ids(new ChatFilter(Revision: 2)));
        Assert.Equal([b1.Id, a2.Id], await Ids(new ChatFilter(ModelId: "tiny-qwen")));
        Assert.Equal([b2.Id, b1.Id], await Ids(new ChatFilter(OwnerId: "local:bea")));
        Assert.Equal([b1.Id], await Ids(new ChatFilter(Revision: 1, ModelId: "tiny-qwen", OwnerId: "local:bea")));
        Assert.Equal([b2.Id, b1.Id], await Ids(new ChatFilter(From: b1.Created)));
        Assert.Equal([a2.Id, a1.Id], await Ids(new ChatFilter(To: b1.Created)));
        Assert.Empty(await Ids(new ChatFilter(From: DateTimeOffset.UtcNow.AddHours(1))));

        var page1 = await host.Queries.ListAsync(id, null, page: 1, pageSize: 3);
        var page2 = await host.Queries.ListAsync(id, null, page: 2, pageSize: 3);
        var page3 = await host.Queries.ListAsync(id, null, page: 3, pageSize: 3);
        Assert.Equal((3, 4, 2), (page1.Items.Count, page1.Total, page1.PageCount));
        Assert.Equal([a1.Id], page2.Items.Select(c => c.Id));
        Assert.Equal((0, 4), (page3.Items.Count, page3.Total));
        Assert.Empty((await host.Queries.ListAsync(Guid.NewGuid())).Items);

        var oldest = await host.Queries.ListAsync(id, new ChatFilter(OwnerId: "local:bea"), page: 1, pageSize: 1, oldestFirst: true);
        Assert.Equal([b1.Id], oldest.Items.Select(c => c.Id));
        Assert.Equal(2, oldest.Total);
    }

    [Fact]
    public async Task Given_a_persons_chats_when_listed_by_owner_then_title_filter_order_and_pages_apply()
    {
        var first = await host.StartAsync(ChatTestHost.Ada, title: "Firmness under pressure");
        var second = await host.StartAsync(ChatTestHost.Ada, title: "Kindness 100% of the time");
        var third = await host.StartAsync(ChatTestHost.Ada, title: "Firm but kind");
        await host.StartAsync(ChatTestHost.Bea, title: "Firm elsewhere");

        var all = await host.Queries.ByOwnerAsync(ChatTestHost.Ada.Id);
        Assert.Equal([third.Id, second.Id, first.Id], all.Items.Select(c => c.Id));
        var firm = await host.Queries.ByOwnerAsync(ChatTestHost.Ada.Id, "FIRM", oldestFirst: true);
        Assert.Equal([first.Id, third.Id], firm.Items.Select(c => c.Id));
        // LIKE's wildcards in the filter are plain characters.
        Assert.Equal([second.Id], (await host.Queries.ByOwnerAsync(ChatTestHost.Ada.Id, "100%")).Items.Select(c => c.Id));
        Assert.Empty((await host.Queries.ByOwnerAsync(ChatTestHost.Ada.Id, "_")).Items);
        var page2 = await host.Queries.ByOwnerAsync(ChatTestHost.Ada.Id, page: 2, pageSize: 2);
        Assert.Equal([first.Id], page2.Items.Select(c => c.Id));
        Assert.Equal((3, 2), (page2.Total, page2.PageCount));
    }
}

public sealed class ChatAccessTests : IAsyncLifetime
{
    private ChatTestHost host = null!;

    public async Task InitializeAsync() => host = await ChatTestHost.CreateAsync(nameof(ChatAccessTests));

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Given_a_chat_on_a_constitution_made_private_then_only_the_chat_owner_and_the_constitution_owner_see_it()
    {
        var chat = await host.StartAsync(ChatTestHost.Bea);
        var stranger = new Actor("local:cy", "Cy");
        Assert.True(ChatAccess.CanRead(chat, host.Constitution, stranger));
        Assert.True(ChatAccess.CanRead(chat, host.Constitution, null));

        await host.Constitutions.ChangeDetailsAsync(ChatTestHost.Ada, "helper", "Helper", "", Visibility.Private, Guid.NewGuid());
        var now = await host.ConstitutionQueries.BySlugAsync("helper");

        Assert.False(ChatAccess.CanRead(chat, now, stranger));
        Assert.Throws<NotFoundException>(() => ChatAccess.EnsureRead(chat, now, null));
        Assert.True(ChatAccess.CanRead(chat, now, ChatTestHost.Bea));
        Assert.True(ChatAccess.CanRead(chat, now, ChatTestHost.Ada));
        Assert.False(ChatAccess.CanWrite(chat, ChatTestHost.Ada));
        Assert.True(ChatAccess.CanWrite(chat, ChatTestHost.Bea));
    }
}
