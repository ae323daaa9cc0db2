using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Core.Tests.Chats;

namespace ConstitutionHub.Core.Tests.Sharing;

/// <summary>Share links against a real PostgreSQL. The clock is a settable <see cref="TimeProvider"/>: expiry is
/// about time passing, and waiting for real days is not possible in a test.</summary>
public sealed class ShareLinksTests : IAsyncLifetime
{
    private ChatTestHost host = null!;
    private ShareLinks shares = null!;
    private readonly SettableClock clock = new(DateTimeOffset.UtcNow);
    private ChatRow chat = null!;
    private Guid q1, a1;

    public async Task InitializeAsync()
    {
        host = await ChatTestHost.CreateAsync(nameof(ShareLinksTests));
        shares = new ShareLinks(host.Store, host.DataSource, host.Queries, clock);
        chat = await host.StartAsync(title: "Shared chat");
        (q1, a1) = await host.TurnAsync(chat.Id, null, "First question", "First answer");
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Given_a_new_link_then_its_token_carries_at_least_128_random_bits_and_differs_each_time()
    {
        var tokens = new List<string>();
        for (var i = 0; i < 20; i++) tokens.Add((await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live)).Token);

        Assert.All(tokens, t => Assert.Matches("^[A-Za-z0-9_-]+$", t));
        // Base64url: 6 bits per character, and the decoder accepts it (after restoring the standard alphabet).
        Assert.All(tokens, t => Assert.True(t.Length * 6 >= 128 && Convert.FromBase64String(
            t.Replace('-', '+').Replace('_', '/') + new string('=', (4 - t.Length % 4) % 4)).Length * 8 >= 128));
        Assert.Equal(tokens.Count, tokens.Distinct().Count());
    }

    [Fact]
    public async Task Given_a_new_link_then_only_its_hash_is_stored_and_the_token_is_nowhere_in_the_database()
    {
        var created = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot, hideSystemPrompt: true);

        await using (var command = host.DataSource.CreateCommand("select count(*) from share_links s where s::text like '%' || @token || '%'"))
        {
            command.Parameters.AddWithValue("token", created.Token);
            Assert.Equal(0L, await command.ExecuteScalarAsync());
        }
        await using (var command = host.DataSource.CreateCommand("select count(*) from share_links where token_hash = sha256(convert_to(@token, 'UTF8'))"))
        {
            command.Parameters.AddWithValue("token", created.Token);
            Assert.Equal(1L, await command.ExecuteScalarAsync());
        }
        // Nor in any other table (events, read models).
        await using (var command = host.DataSource.CreateCommand("""
            select (select count(*) from mt_events e where e::text like '%' || @token || '%')
                 + (select count(*) from chats c where c::text like '%' || @token || '%')
                 + (select count(*) from chat_messages m where m::text like '%' || @token || '%')
            """))
        {
            command.Parameters.AddWithValue("token", created.Token);
            Assert.Equal(0L, await command.ExecuteScalarAsync());
        }
    }

    [Fact]
    public async Task Given_a_snapshot_link_when_the_chat_continues_then_the_link_still_shows_the_chat_as_it_was()
    {
        var snapshot = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot);
        var live = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live);
        var (q2, a2) = await host.TurnAsync(chat.Id, a1, "Second question", "Second answer");

        var resolved = (await shares.ResolveAsync(snapshot.Token))!;
        Assert.Equal((chat.Id, ShareMode.Snapshot, a1, false), (resolved.ChatId, resolved.Mode, resolved.SnapshotMessageId!.Value, resolved.HideSystemPrompt));
        var frozen = (await shares.OpenAsync(snapshot.Token))!;
        Assert.Equal([q1, a1], frozen.Thread.Branch.Select(m => m.Id));
        Assert.Equal([q1, a1], frozen.Thread.Messages.Select(m => m.Id));

        var following = (await shares.OpenAsync(live.Token))!;
        Assert.Null(following.Share.SnapshotMessageId);
        Assert.Equal([q1, a1, q2, a2], following.Thread.Branch.Select(m => m.Id));
    }

    [Fact]
    public async Task Given_a_live_link_when_a_reply_streams_then_the_link_shows_the_partial_text_and_other_branches_stay_private()
    {
        var live = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live);
        // An edit of the first question that the viewer should not see once the newer branch exists.
        var edited = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, null, "Reworded question", Guid.NewGuid());
        var reply = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, edited, null, "node-a", Guid.NewGuid());
        await host.Commands.AppendTokensAsync(Actor.System, chat.Id, reply, "Partial", 1, Guid.NewGuid());

        var view = (await shares.OpenAsync(live.Token))!;
        Assert.Equal(["Reworded question", "Partial"], view.Thread.Messages.Select(m => m.Text));
        Assert.Equal(MessageStatus.Streaming, view.Thread.Branch[^1].Status);
    }

    [Fact]
    public async Task Given_a_link_that_hides_the_system_prompt_then_the_shared_chat_and_its_exports_leave_the_prompt_out()
    {
        var created = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot, hideSystemPrompt: true);
        var prompt = (await host.Queries.ThreadAsync(chat.Id))!.Provenance.SystemPrompt;

        var view = (await shares.OpenAsync(created.Token))!;
        Assert.True(view.Thread.SystemPromptHidden);
        Assert.Equal("", view.Thread.Provenance.SystemPrompt);
        Assert.False(string.IsNullOrEmpty(view.Thread.Provenance.PromptHash));
        var firstLine = prompt.Split('\n')[0];
        Assert.DoesNotContain(firstLine, ChatExport.Markdown(view.Thread), StringComparison.Ordinal);
        Assert.DoesNotContain(firstLine, ChatExport.Json(view.Thread), StringComparison.Ordinal);
        Assert.DoesNotContain("\"system\"", ChatExport.Jsonl(view.Thread), StringComparison.Ordinal);
        Assert.Contains(firstLine, ChatExport.Markdown((await host.Queries.ThreadAsync(chat.Id))!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Given_a_link_with_an_expiry_when_that_time_passes_then_it_resolves_to_nothing()
    {
        var created = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live, expires: clock.GetUtcNow().AddHours(1));
        Assert.NotNull(await shares.ResolveAsync(created.Token));

        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.NotNull(await shares.ResolveAsync(created.Token));
        clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await shares.ResolveAsync(created.Token));
        Assert.Null(await shares.OpenAsync(created.Token));
        Assert.Equal(ShareState.Expired, (await shares.LinkAsync(created.Link.Id))!.State);
    }

    [Fact]
    public async Task Given_a_link_when_it_is_revoked_then_it_stops_resolving_at_once_and_records_who_and_when()
    {
        var created = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live);
        Assert.NotNull(await shares.ResolveAsync(created.Token));

        await shares.RevokeAsync(ChatTestHost.Ada, created.Link.Id);

        Assert.Null(await shares.ResolveAsync(created.Token));
        var link = (await shares.LinkAsync(created.Link.Id))!;
        Assert.Equal((ShareState.Revoked, "Ada", clock.GetUtcNow().ToUnixTimeMilliseconds()),
            (link.State, link.RevokedByName!, link.Revoked!.Value.ToUnixTimeMilliseconds()));
        await shares.RevokeAsync(ChatTestHost.Ada, created.Link.Id);
        await Assert.ThrowsAsync<NotFoundException>(() => shares.RevokeAsync(ChatTestHost.Bea, created.Link.Id));
    }

    [Fact]
    public async Task Given_unknown_revoked_and_expired_tokens_when_resolved_then_the_answers_are_identical()
    {
        var revoked = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live);
        await shares.RevokeAsync(ChatTestHost.Ada, revoked.Link.Id);
        var expired = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live, expires: clock.GetUtcNow().AddMinutes(1));
        clock.Advance(TimeSpan.FromMinutes(2));
        var unknown = ShareLinks.NewToken();

        var answers = new[] { await shares.ResolveAsync(unknown), await shares.ResolveAsync(revoked.Token), await shares.ResolveAsync(expired.Token),
            await shares.ResolveAsync("not a token"), await shares.ResolveAsync(null) };
        Assert.All(answers, Assert.Null);
    }

    [Fact]
    public async Task Given_links_of_two_people_when_listed_then_each_sees_their_own_newest_first()
    {
        var first = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live);
        clock.Advance(TimeSpan.FromSeconds(1));
        var second = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot, expires: clock.GetUtcNow().AddDays(7));
        var beaChat = await host.StartAsync(ChatTestHost.Bea);
        await shares.CreateAsync(ChatTestHost.Bea, beaChat.Id, ShareMode.Live);

        var ada = await shares.ListAsync("local:ada");
        Assert.Equal([second.Link.Id, first.Link.Id], ada.Select(l => l.Id));
        Assert.Equal(("Shared chat", ShareMode.Snapshot, a1, ShareState.Active), (ada[0].Title, ada[0].Mode, ada[0].SnapshotMessageId!.Value, ada[0].State));
        Assert.Single(await shares.ListAsync("local:bea"));
        Assert.Empty(await shares.ListAsync("local:ada", beaChat.Id));
    }

    [Fact]
    public async Task Given_active_expired_and_revoked_links_when_paged_by_state_then_each_page_counts_only_its_matches()
    {
        var active = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            active.Add((await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live)).Link.Id);
            clock.Advance(TimeSpan.FromSeconds(1));
        }
        var revoked = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live);
        await shares.RevokeAsync(ChatTestHost.Ada, revoked.Link.Id);
        clock.Advance(TimeSpan.FromSeconds(1));
        var expiring = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live, expires: clock.GetUtcNow().AddMinutes(1));
        clock.Advance(TimeSpan.FromMinutes(2));
        await shares.CreateAsync(ChatTestHost.Bea, (await host.StartAsync(ChatTestHost.Bea)).Id, ShareMode.Live);

        var all = await shares.PageAsync("local:ada");
        Assert.Equal(5, all.Total);
        Assert.Equal(expiring.Link.Id, all.Items[0].Id);
        var newestActive = await shares.PageAsync("local:ada", ShareState.Active, page: 1, pageSize: 2);
        Assert.Equal([active[2], active[1]], newestActive.Items.Select(l => l.Id));
        Assert.Equal(3, newestActive.Total);
        var oldestActive = await shares.PageAsync("local:ada", ShareState.Active, page: 2, pageSize: 2, oldestFirst: true);
        Assert.Equal([active[2]], oldestActive.Items.Select(l => l.Id));
        Assert.Equal([expiring.Link.Id], (await shares.PageAsync("local:ada", ShareState.Expired)).Items.Select(l => l.Id));
        var gone = await shares.PageAsync("local:ada", ShareState.Revoked);
        Assert.Equal([revoked.Link.Id], gone.Items.Select(l => l.Id));
        Assert.Equal(ShareState.Revoked, gone.Items[0].State);
        Assert.Equal(1, (await shares.PageAsync("local:bea")).Total);
    }

    [Fact]
    public async Task Given_someone_elses_chat_or_a_bad_expiry_when_sharing_then_it_is_refused()
    {
        await Assert.ThrowsAsync<ForbiddenException>(() => shares.CreateAsync(ChatTestHost.Bea, chat.Id, ShareMode.Live));
        var past = await Assert.ThrowsAsync<ValidationException>(() =>
            shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Live, expires: clock.GetUtcNow().AddSeconds(-1)));
        Assert.Equal("expires", past.Field);
        var empty = await host.StartAsync();
        var nothing = await Assert.ThrowsAsync<ValidationException>(() => shares.CreateAsync(ChatTestHost.Ada, empty.Id, ShareMode.Snapshot));
        Assert.Contains("nothing to share", nothing.Message, StringComparison.Ordinal);
    }

    private sealed class SettableClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset now = start;

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }
}

public sealed class ShareLinksBranchTests : IAsyncLifetime
{
    private ChatTestHost host = null!;

    public async Task InitializeAsync() => host = await ChatTestHost.CreateAsync(nameof(ShareLinksBranchTests));

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Given_an_older_branch_when_it_is_shared_as_a_snapshot_then_the_link_shows_that_branch_only()
    {
        var shares = new ShareLinks(host.Store, host.DataSource, host.Queries);
        var chat = await host.StartAsync();
        var (q1, a1) = await host.TurnAsync(chat.Id, null, "Original", "Reply to original");
        var (q1b, a1b) = await host.TurnAsync(chat.Id, null, "Edited", "Reply to edit");

        var older = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot, atMessageId: a1);
        var newest = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot);

        Assert.Equal([q1, a1], (await shares.OpenAsync(older.Token))!.Thread.Messages.Select(m => m.Id));
        Assert.Equal([q1b, a1b], (await shares.OpenAsync(newest.Token))!.Thread.Messages.Select(m => m.Id));
        var streaming = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, chat.Id, a1b, "More", Guid.NewGuid());
        var reply = await host.Commands.StartReplyAsync(ChatTestHost.Ada, chat.Id, streaming, null, "node-a", Guid.NewGuid());
        var e = await Assert.ThrowsAsync<ValidationException>(() =>
            shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot, atMessageId: reply));
        Assert.Equal("atMessageId", e.Field);
        // Without a message named, the snapshot ends at the newest finished one, not the reply still streaming.
        var during = await shares.CreateAsync(ChatTestHost.Ada, chat.Id, ShareMode.Snapshot);
        Assert.Equal(streaming, during.Link.SnapshotMessageId);
    }
}
