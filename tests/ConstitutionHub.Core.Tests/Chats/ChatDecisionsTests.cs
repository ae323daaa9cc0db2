using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Chats;

/// <summary>Command handling without a database: given events, when a command is decided, then an event or a refusal.</summary>
public sealed class ChatDecisionsTests
{
    private static readonly Guid ChatId = Guid.NewGuid();
    private static readonly Guid Question = Guid.NewGuid();
    private static readonly Guid Reply = Guid.NewGuid();

    private static ChatProvenance Provenance(string prompt = "Be honest.\n", int revision = 1) => new(
        Guid.NewGuid(), "helper", revision, new Dictionary<string, string> { ["s1"] = "lower" }, prompt, TextLines.Sha256(prompt),
        ChatTestHost.TinyModel, ChatTestHost.Sampling);

    private static ChatState Given(params object[] events) => ChatState.From(events);

    private static ChatState StartedChat() => Given(new ChatStarted(ChatId, Provenance(), "local:ada", "Ada", "Test"));

    private static ChatState WithStreamingReply() => StartedChat()
        .Apply(new UserMessagePosted(Question, null, "Hello?"))
        .Apply(new ReplyStarted(Reply, Question, null, "node-a"));

    private static void Refused(string field, string messagePart, Action decide)
    {
        var e = Assert.Throws<ValidationException>(decide);
        Assert.Equal(field, e.Field);
        Assert.Contains(messagePart, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Given_a_chat_when_a_message_over_16000_characters_is_posted_then_it_is_refused_with_the_limit() =>
        Refused("text", "16,000", () => ChatDecisions.PostUserMessage(StartedChat(), Guid.NewGuid(), null, new string('x', 16_001)));

    [Fact]
    public void Given_a_chat_when_a_message_of_exactly_16000_characters_is_posted_then_it_is_accepted() =>
        Assert.Equal(16_000, ChatDecisions.PostUserMessage(StartedChat(), Guid.NewGuid(), null, new string('x', 16_000)).Text.Length);

    [Fact]
    public void Given_a_chat_when_an_empty_message_is_posted_then_it_is_refused() =>
        Refused("text", "empty", () => ChatDecisions.PostUserMessage(StartedChat(), Guid.NewGuid(), null, "  \n "));

    [Fact]
    public void Given_a_streaming_reply_when_a_message_is_posted_after_it_then_it_is_refused_until_the_reply_finishes() =>
        Refused("parentMessageId", "still being written", () => ChatDecisions.PostUserMessage(WithStreamingReply(), Guid.NewGuid(), Reply, "More?"));

    [Fact]
    public void Given_a_streaming_reply_when_another_reply_to_the_same_message_starts_then_it_is_refused() =>
        Refused("parentMessageId", "still being written", () => ChatDecisions.StartReply(WithStreamingReply(), Guid.NewGuid(), Question, null, "node-a"));

    [Fact]
    public void Given_a_streaming_reply_when_an_earlier_turn_is_edited_on_another_branch_then_it_is_accepted()
    {
        var posted = ChatDecisions.PostUserMessage(WithStreamingReply(), Guid.NewGuid(), null, "Hello, edited");
        Assert.Null(posted.ParentMessageId);
    }

    [Fact]
    public void Given_a_completed_reply_when_tokens_are_appended_then_it_is_refused()
    {
        var state = WithStreamingReply().Apply(new ReplyCompleted(Reply, "stop", 10, 0, null, 0));
        Refused("messageId", "already complete", () => ChatDecisions.AppendTokens(state, Reply, "late", 1));
    }

    [Fact]
    public void Given_a_streaming_reply_when_the_token_count_goes_backwards_then_it_is_refused()
    {
        var state = WithStreamingReply().Apply(new ReplyTokensAppended(Reply, "Hi", 5));
        Refused("completionTokens", "only grows", () => ChatDecisions.AppendTokens(state, Reply, " there", 4));
    }

    [Fact]
    public void Given_a_user_message_when_tokens_are_appended_to_it_then_it_is_refused() =>
        Refused("messageId", "user message", () => ChatDecisions.AppendTokens(WithStreamingReply(), Question, "x", 1));

    [Fact]
    public void Given_a_streaming_reply_when_it_completes_with_an_unknown_finish_reason_then_it_is_refused() =>
        Refused("finishReason", "'stop', 'length' or 'cancelled'", () => ChatDecisions.Complete(WithStreamingReply(), Reply, "error", 1, 1, 1, 1));

    [Fact]
    public void Given_a_reply_when_a_message_replies_to_a_user_message_then_it_is_refused()
    {
        var state = StartedChat().Apply(new UserMessagePosted(Question, null, "Hello?"));
        Refused("parentMessageId", "follows a reply", () => ChatDecisions.PostUserMessage(state, Guid.NewGuid(), Question, "Again"));
    }

    [Fact]
    public void Given_a_failed_reply_when_a_message_is_posted_after_it_then_it_is_refused()
    {
        var state = WithStreamingReply().Apply(new ReplyFailed(Reply, "boom"));
        Refused("parentMessageId", "failed", () => ChatDecisions.PostUserMessage(state, Guid.NewGuid(), Reply, "And?"));
    }

    [Fact]
    public void Given_an_interrupted_reply_when_a_message_is_posted_after_it_then_the_conversation_continues()
    {
        var state = WithStreamingReply().Apply(new ReplyInterrupted(Reply, "restart"));
        Assert.Equal(Reply, ChatDecisions.PostUserMessage(state, Guid.NewGuid(), Reply, "Go on").ParentMessageId);
    }

    [Fact]
    public void Given_no_chat_when_a_message_is_posted_then_it_is_not_found() =>
        Assert.Throws<NotFoundException>(() => ChatDecisions.PostUserMessage(ChatState.Initial, Guid.NewGuid(), null, "Hi"));

    [Fact]
    public void When_a_chat_starts_with_a_hash_that_is_not_the_prompts_then_it_is_refused() =>
        Refused("promptHash", "SHA-256", () => ChatDecisions.Start(ChatId, "local:ada", "Ada", null,
            Provenance() with { SystemPrompt = "Something else.\n" }));

    [Fact]
    public void When_a_chat_starts_with_an_out_of_range_temperature_then_the_setting_is_named() =>
        Refused("sampling.temperature", "between 0 and 2", () => ChatDecisions.Start(ChatId, "local:ada", "Ada", null,
            Provenance() with { Sampling = ChatTestHost.Sampling with { Temperature = 3 } }));

    [Fact]
    public void When_a_chat_starts_with_a_malformed_model_hash_then_it_is_refused() =>
        Refused("model", "64 lowercase hexadecimal", () => ChatDecisions.Start(ChatId, "local:ada", "Ada", null,
            Provenance() with { Model = ChatTestHost.TinyModel with { FileSha256 = "abc" } }));

    [Fact]
    public void When_a_chat_starts_on_a_remote_model_then_its_endpoint_and_remote_id_are_its_provenance()
    {
        var remote = new ModelRecord("gpu-qwen", "", "remote", "http://gpu-worker:8000/v1", "Qwen/Qwen2.5-7B-Instruct");
        var started = ChatDecisions.Start(ChatId, "local:ada", "Ada", null, Provenance() with { Model = remote });
        Assert.Equal(remote, started.Provenance.Model);

        Refused("model", "without credentials", () => ChatDecisions.Start(ChatId, "local:ada", "Ada", null,
            Provenance() with { Model = remote with { Endpoint = "http://user:secret@gpu-worker:8000/v1" } }));
        Refused("model", "model id its server knows", () => ChatDecisions.Start(ChatId, "local:ada", "Ada", null,
            Provenance() with { Model = remote with { RemoteModel = " " } }));
        Refused("model", "file hash is empty", () => ChatDecisions.Start(ChatId, "local:ada", "Ada", null,
            Provenance() with { Model = remote with { FileSha256 = new string('0', 64) } }));
    }

    [Fact]
    public void Given_a_chat_when_a_reply_runs_with_the_same_settings_then_no_override_is_recorded_but_a_different_one_is()
    {
        var state = StartedChat().Apply(new UserMessagePosted(Question, null, "Hello?"));
        // An equal copy, built separately: equality is by value, collections included.
        var copy = state.Provenance! with
        {
            Recipe = new Dictionary<string, string>(state.Provenance.Recipe),
            Sampling = state.Provenance.Sampling with { StopStrings = state.Provenance.Sampling.StopStrings.ToList() },
        };
        Assert.Null(ChatDecisions.StartReply(state, Guid.NewGuid(), Question, copy, "node-a").Provenance);

        var other = Provenance("Be blunt.\n", revision: 2);
        Assert.Same(other, ChatDecisions.StartReply(state, Guid.NewGuid(), Question, other, "node-a").Provenance);
    }

    [Fact]
    public void Given_events_when_state_is_built_then_text_length_tokens_and_status_follow_them()
    {
        var state = WithStreamingReply()
            .Apply(new ReplyTokensAppended(Reply, "Hel", 1))
            .Apply(new ReplyTokensAppended(Reply, "lo!", 2))
            .Apply(new ReplyCompleted(Reply, "stop", 7, 2, 10, 20));
        var reply = state.Messages[Reply];
        Assert.Equal((6, 2, MessageStatus.Complete, 3L), (reply.TextLength, reply.CompletionTokens, reply.Status, reply.Position));
        Assert.Equal(6, state.Version);
    }
}
