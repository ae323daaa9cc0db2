using ConstitutionHub.Inference.Serving;
using ConstitutionHub.Testing;

namespace ConstitutionHub.Inference.Tests.Serving;

public sealed class GenerationSchedulerTests
{
    private static readonly Microsoft.Extensions.AI.ChatMessage[] Hi = [new(Microsoft.Extensions.AI.ChatRole.User, "hi")];

    private static ScheduledChatClient Scheduled(GateModel gate, GenerationScheduler scheduler) => new(new ChatModelClient(gate), gate.Info, scheduler);

    private static (GenerationScheduler Scheduler, GateModel Gate, ScheduledChatClient Model) Setup(int slots = 1, int perUser = 10, int maxQueue = 64, bool autoFinish = false)
    {
        var scheduler = new GenerationScheduler(new InferenceOptions { ConcurrentGenerationsPerModel = slots, PerUserLimit = perUser, MaxQueueLength = maxQueue });
        var gate = new GateModel { AutoFinish = autoFinish };
        return (scheduler, gate, Scheduled(gate, scheduler));
    }

    [Fact]
    public async Task No_more_generations_run_than_the_model_has_slots()
    {
        var (scheduler, gate, model) = Setup(slots: 2);
        var consumers = Enumerable.Range(0, 5).Select(i => new Consumer(model, $"user{i}")).ToList();

        var first = await gate.NextStartAsync();
        var second = await gate.NextStartAsync();
        // Three queued, not started: the scheduler has decided about all five.
        await Eventually.TrueAsync(() => scheduler.Load("gate") == new ModelLoad(2, 3), "two running, three queued");
        Assert.False(gate.AnotherStarted());

        first.Finish();
        var third = await gate.NextStartAsync();
        Assert.Equal(new ModelLoad(2, 2), scheduler.Load("gate"));

        second.Finish();
        third.Finish();
        for (var i = 0; i < 2; i++) (await gate.NextStartAsync()).Finish();
        await Task.WhenAll(consumers.Select(c => c.Done)).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, gate.MaxActive);
        Assert.Equal(new ModelLoad(0, 0), scheduler.Load("gate"));
    }

    [Fact]
    public async Task A_waiting_request_sees_its_queue_position_count_down_to_its_turn()
    {
        var (scheduler, gate, model) = Setup(slots: 1);
        var running = new Consumer(model, "ann");
        var current = await gate.NextStartAsync();
        var ahead = new[] { new Consumer(model, "bob"), new Consumer(model, "cy") };
        // Both must be in the queue before the watched request joins it behind them.
        await Eventually.TrueAsync(() => scheduler.Load("gate").Queued == 2, "bob and cy queued");
        var watched = new Consumer(model, "dee");

        Assert.Equal(2, (await watched.NextAsync()).QueuePosition);
        current.Finish();
        Assert.Equal(1, (await watched.NextAsync()).QueuePosition);
        (await gate.NextStartAsync()).Finish();
        Assert.Equal(0, (await watched.NextAsync()).QueuePosition);
        (await gate.NextStartAsync()).Finish();

        var mine = await gate.NextStartAsync();
        Assert.Equal("dee", mine.User);
        var token = await watched.NextAsync();
        Assert.Equal("hello", token.Text);
        Assert.Null(token.QueuePosition);
        mine.Finish();
        await Task.WhenAll(ahead.Select(c => c.Done).Append(running.Done).Append(watched.Done)).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_person_with_many_requests_takes_turns_with_others_instead_of_going_first()
    {
        var (_, gate, model) = Setup(slots: 1);
        var consumers = new List<Consumer> { new(model, "ann") };
        var first = await gate.NextStartAsync();
        // Ann queues three more before Bob and Cy arrive; plain FIFO would serve all of Ann's first.
        foreach (var user in new[] { "ann", "ann", "ann", "bob", "cy" })
        {
            var consumer = new Consumer(model, user);
            consumers.Add(consumer);
            await consumer.NextAsync(); // its first queue position: it has joined the queue
        }

        first.Finish();
        var order = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var run = await gate.NextStartAsync();
            order.Add(run.User);
            run.Finish();
        }

        Assert.Equal(["bob", "cy", "ann", "ann", "ann"], order);
        await Task.WhenAll(consumers.Select(c => c.Done)).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Fair_order_alternates_between_two_busy_people()
    {
        var (_, gate, model) = Setup(slots: 1);
        var consumers = new List<Consumer> { new(model, "ann") };
        var first = await gate.NextStartAsync();
        foreach (var user in new[] { "ann", "ann", "bob", "bob" })
        {
            var consumer = new Consumer(model, user);
            consumers.Add(consumer);
            await consumer.NextAsync();
        }

        first.Finish();
        var order = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var run = await gate.NextStartAsync();
            order.Add(run.User);
            run.Finish();
        }

        Assert.Equal(["bob", "ann", "bob", "ann"], order);
        await Task.WhenAll(consumers.Select(c => c.Done)).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_per_user_limit_counts_running_and_queued_requests_across_models_and_says_so()
    {
        var scheduler = new GenerationScheduler(new InferenceOptions { ConcurrentGenerationsPerModel = 1, PerUserLimit = 2 });
        var (gateA, gateB) = (new GateModel("a"), new GateModel("b"));
        var (modelA, modelB) = (Scheduled(gateA, scheduler), Scheduled(gateB, scheduler));
        var running = new Consumer(modelA, "ann");
        var run = await gateA.NextStartAsync();
        var queuedElsewhere = new Consumer(modelB, "bob");
        var bobs = await gateB.NextStartAsync();
        var annOnB = new Consumer(modelB, "ann");
        Assert.Equal(0, (await annOnB.NextAsync()).QueuePosition);

        var refused = new Consumer(modelA, "ann");
        var error = await Assert.ThrowsAsync<InferenceException>(() => refused.Done);

        Assert.Equal("user_limit", error.Code);
        Assert.Equal("You already have 2 chats generating; wait for one to finish.", error.Message);
        var other = new Consumer(modelA, "cy");
        Assert.Equal(0, (await other.NextAsync()).QueuePosition);

        run.Finish();
        (await gateA.NextStartAsync()).Finish();
        bobs.Finish();
        (await gateB.NextStartAsync()).Finish();
        await Task.WhenAll(running.Done, queuedElsewhere.Done, annOnB.Done, other.Done).WaitAsync(TimeSpan.FromSeconds(10));
        var again = new Consumer(modelA, "ann");
        (await gateA.NextStartAsync()).Finish();
        await again.Done.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_full_queue_refuses_with_queue_full()
    {
        var (scheduler, gate, model) = Setup(slots: 1, maxQueue: 1);
        var running = new Consumer(model, "ann");
        var run = await gate.NextStartAsync();
        var queued = new Consumer(model, "bob");
        await queued.NextAsync();

        var error = await Assert.ThrowsAsync<InferenceException>(() => new Consumer(model, "cy").Done);

        Assert.Equal("queue_full", error.Code);
        Assert.Equal(new ModelLoad(1, 1), scheduler.Load("gate"));
        run.Finish();
        (await gate.NextStartAsync()).Finish();
        await Task.WhenAll(running.Done, queued.Done).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancelling_while_queued_leaves_the_queue_at_once_and_moves_the_others_up()
    {
        var (scheduler, gate, model) = Setup(slots: 1);
        var running = new Consumer(model, "ann");
        var run = await gate.NextStartAsync();
        using var cancel = new CancellationTokenSource();
        var leaving = new Consumer(model, "bob", cancel.Token);
        Assert.Equal(0, (await leaving.NextAsync()).QueuePosition);
        var behind = new Consumer(model, "cy");
        Assert.Equal(1, (await behind.NextAsync()).QueuePosition);

        cancel.Cancel();

        // Synchronously: the cancellation callback itself takes the request out of the queue.
        Assert.Equal(new ModelLoad(1, 1), scheduler.Load("gate"));
        Assert.Equal(0, (await behind.NextAsync()).QueuePosition);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving.Done);
        run.Finish();
        var next = await gate.NextStartAsync();
        Assert.Equal("cy", next.User);
        next.Finish();
        await Task.WhenAll(running.Done, behind.Done).WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_failing_generation_frees_its_slot()
    {
        var (scheduler, gate, model) = Setup(slots: 1, perUser: 1);
        var failing = new Consumer(model, "ann");
        (await gate.NextStartAsync()).Fail();

        var error = await Assert.ThrowsAsync<InferenceException>(() => failing.Done);

        Assert.Equal("model_error", error.Code);
        Assert.Equal(new ModelLoad(0, 0), scheduler.Load("gate"));
        var again = new Consumer(model, "ann");
        (await gate.NextStartAsync()).Finish();
        await again.Done.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_reader_that_stops_early_frees_its_slot()
    {
        var (scheduler, gate, model) = Setup(slots: 1, perUser: 1);
        await foreach (var update in model.GetStreamingResponseAsync(Hi, HubChat.Options(SamplingSettings.Greedy(), "ann"), CancellationToken.None))
        {
            Assert.Equal("hello", update.Text);
            Assert.Equal(new ModelLoad(1, 0), scheduler.Load("gate"));
            break;
        }

        Assert.Equal(new ModelLoad(0, 0), scheduler.Load("gate"));
        var run = await gate.NextStartAsync();
        await run.Ended.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var again = new Consumer(model, "ann");
        (await gate.NextStartAsync()).Finish();
        await again.Done.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Cancelling_a_running_generation_frees_its_slot()
    {
        var (scheduler, gate, model) = Setup(slots: 1, perUser: 1);
        using var cancel = new CancellationTokenSource();
        var consumer = new Consumer(model, "ann", cancel.Token);
        await gate.NextStartAsync();
        Assert.Equal("hello", (await consumer.NextAsync()).Text);

        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consumer.Done);
        Assert.Equal(new ModelLoad(0, 0), scheduler.Load("gate"));
    }

    [Fact]
    public async Task Bad_sampling_is_refused_before_it_takes_a_place_in_the_queue()
    {
        var (scheduler, gate, model) = Setup(slots: 1, maxQueue: 0);
        var running = new Consumer(model, "ann");
        var run = await gate.NextStartAsync();

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            new Consumer(model, "bob", sampling: SamplingSettings.Greedy() with { TopP = 0 }).Done);

        Assert.Equal("invalid_sampling", error.Code);
        Assert.Equal("top_p", error.Field);
        Assert.Equal(new ModelLoad(1, 0), scheduler.Load("gate"));
        run.Finish();
        await running.Done.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Many_concurrent_requests_on_several_models_all_finish_within_their_slots()
    {
        var scheduler = new GenerationScheduler(new InferenceOptions { ConcurrentGenerationsPerModel = 2, PerUserLimit = 50, MaxQueueLength = 1000 });
        var gates = Enumerable.Range(0, 3).Select(i => new GateModel($"m{i}") { AutoFinish = true }).ToList();
        var models = gates.Select(g => Scheduled(g, scheduler)).ToList();
        var tokens = 0;

        await Task.WhenAll(Enumerable.Range(0, 600).Select(i => Task.Run(async () =>
        {
            await foreach (var update in models[i % 3].GetStreamingResponseAsync(Hi, HubChat.Options(SamplingSettings.Greedy(), $"user{i % 20}"), CancellationToken.None))
                if (update.Text.Length > 0) Interlocked.Increment(ref tokens);
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1200, tokens);
        Assert.All(gates, g => Assert.InRange(g.MaxActive, 1, 2));
        Assert.All(gates, g => Assert.Equal(new ModelLoad(0, 0), scheduler.Load(g.Info.Id)));
    }

    [Theory]
    [InlineData(0, 2, 64, "ConcurrentGenerationsPerModel")]
    [InlineData(2, 0, 64, "PerUserLimit")]
    [InlineData(2, 2, -1, "MaxQueueLength")]
    public void Settings_that_would_refuse_everything_fail_at_start_naming_the_setting(int slots, int perUser, int maxQueue, string setting)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new GenerationScheduler(
            new InferenceOptions { ConcurrentGenerationsPerModel = slots, PerUserLimit = perUser, MaxQueueLength = maxQueue }));
        Assert.Contains($"Inference:{setting}", error.Message, StringComparison.Ordinal);
    }
}
