using System.Threading.Channels;

namespace ConstitutionHub.Inference.Serving;

/// <summary>Live load of one model, for the models page and /v1/models.</summary>
public sealed record ModelLoad(int Running, int Queued);

/// <summary>
/// Decides which generation runs when. Each model has a fixed number of slots
/// (<see cref="InferenceOptions.ConcurrentGenerationsPerModel"/>) and a bounded queue; each person has a limit
/// on running plus queued requests across all models. When a slot frees, the next request comes from the person
/// served least recently on that model (round-robin over people), not plain first-come: one person with many
/// requests cannot starve the others.
/// </summary>
/// <remarks>
/// The slots are the batch: a local model runs every generation that holds a slot in the same forward passes (its
/// <c>BatchEngine</c>), and a request granted while others run joins their batch at the next pass, so up to
/// <see cref="SlotsPerModel"/> requests share each pass. A request for several replies (<c>n</c>) holds one slot and
/// brings its n rows with it, prefilled together; rows beyond the engine's own limit per pass wait in the engine until
/// rows finish. Remote servers (vLLM) batch on their side, so their slots are just a politeness limit.
/// One lock guards all state: decisions are a few list operations, far cheaper than a single token.
/// </remarks>
public sealed class GenerationScheduler
{
    private readonly object gate = new();
    private readonly Dictionary<string, Lane> lanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> perUser = new(StringComparer.Ordinal);
    private long clock;

    public GenerationScheduler(InferenceOptions options)
    {
        Validate(options);
        SlotsPerModel = options.ConcurrentGenerationsPerModel;
        MaxQueueLength = options.MaxQueueLength;
        PerUserLimit = options.PerUserLimit;
    }

    public int SlotsPerModel { get; }
    public int MaxQueueLength { get; }
    public int PerUserLimit { get; }

    /// <summary>Raised (outside the lock) whenever a request starts, finishes or joins or leaves a queue.</summary>
    public event Action? Changed;

    /// <summary>Fails fast on settings that would make every request wait forever or be refused.</summary>
    public static void Validate(InferenceOptions options)
    {
        if (options.ConcurrentGenerationsPerModel < 1)
            throw new InvalidOperationException($"{InferenceOptions.Section}:ConcurrentGenerationsPerModel must be at least 1 (got {options.ConcurrentGenerationsPerModel}).");
        if (options.PerUserLimit < 1)
            throw new InvalidOperationException($"{InferenceOptions.Section}:PerUserLimit must be at least 1 (got {options.PerUserLimit}).");
        if (options.MaxQueueLength < 0)
            throw new InvalidOperationException($"{InferenceOptions.Section}:MaxQueueLength must be 0 or more (got {options.MaxQueueLength}).");
    }

    public ModelLoad Load(string modelId)
    {
        lock (gate)
            return lanes.TryGetValue(modelId, out var lane) ? new ModelLoad(lane.Running, lane.Queue.Count) : new ModelLoad(0, 0);
    }

    /// <summary>
    /// Takes a slot at once or joins the model's queue. Throws <see cref="InferenceException"/> with
    /// <c>user_limit</c> or <c>queue_full</c> when neither is allowed. Dispose the ticket when done: that frees
    /// the slot, or leaves the queue.
    /// </summary>
    public SchedulerTicket Enter(string modelId, string userId)
    {
        SchedulerTicket ticket;
        lock (gate)
        {
            var held = perUser.GetValueOrDefault(userId);
            if (held >= PerUserLimit)
                throw new InferenceException("user_limit",
                    $"You already have {held} {(held == 1 ? "chat" : "chats")} generating; wait for one to finish.");
            var lane = LaneFor(modelId);
            if (lane.Running >= SlotsPerModel && lane.Queue.Count >= MaxQueueLength)
                throw new InferenceException("queue_full",
                    $"The model {modelId} is busy: {lane.Queue.Count} requests are waiting already. Try again in a little while.");

            perUser[userId] = held + 1;
            ticket = new SchedulerTicket(this, lane, userId, ++clock);
            if (lane.Running < SlotsPerModel && lane.Queue.Count == 0) Grant(lane, ticket);
            else
            {
                lane.Queue.Add(ticket);
                PublishPositions(lane);
            }
        }
        Changed?.Invoke();
        return ticket;
    }

    /// <summary>Frees the ticket's slot or takes it out of the queue; safe to call more than once.</summary>
    internal void Leave(SchedulerTicket ticket)
    {
        lock (gate)
        {
            switch (ticket.State)
            {
                case TicketState.Queued:
                    ticket.Lane.Queue.Remove(ticket);
                    break;
                case TicketState.Running:
                    ticket.Lane.Running--;
                    break;
                default:
                    return;
            }
            ticket.State = TicketState.Done;
            ticket.Signals.Writer.TryComplete();
            var left = perUser[ticket.UserId] - 1;
            if (left == 0) perUser.Remove(ticket.UserId);
            else perUser[ticket.UserId] = left;
            Pump(ticket.Lane);
            PublishPositions(ticket.Lane);
        }
        Changed?.Invoke();
    }

    private Lane LaneFor(string modelId)
    {
        if (!lanes.TryGetValue(modelId, out var lane)) lanes[modelId] = lane = new Lane();
        return lane;
    }

    private void Pump(Lane lane)
    {
        while (lane.Running < SlotsPerModel && lane.Queue.Count > 0)
        {
            var next = FairOrder(lane)[0];
            lane.Queue.Remove(next);
            Grant(lane, next);
        }
    }

    private void Grant(Lane lane, SchedulerTicket ticket)
    {
        lane.Running++;
        lane.LastServed[ticket.UserId] = ++clock;
        ticket.State = TicketState.Running;
        ticket.Signals.Writer.TryWrite(SchedulerTicket.Granted);
    }

    /// <summary>Tells every waiting ticket how many requests are ahead of it, if that changed.</summary>
    private static void PublishPositions(Lane lane)
    {
        var order = FairOrder(lane);
        for (var i = 0; i < order.Count; i++)
        {
            if (order[i].Position == i) continue;
            order[i].Position = i;
            order[i].Signals.Writer.TryWrite(i);
        }
    }

    /// <summary>
    /// The order in which the waiting requests would be served if nobody else arrived: repeatedly the person
    /// served least recently (never served counts as longest ago, ties by arrival) gets their oldest request,
    /// and then counts as served just now. That is round-robin over people, FIFO within one person.
    /// </summary>
    internal static List<SchedulerTicket> FairOrder(Lane lane)
    {
        var byUser = new Dictionary<string, Queue<SchedulerTicket>>(StringComparer.Ordinal);
        foreach (var t in lane.Queue.OrderBy(t => t.Arrival))
        {
            if (!byUser.TryGetValue(t.UserId, out var mine)) byUser[t.UserId] = mine = new Queue<SchedulerTicket>();
            mine.Enqueue(t);
        }
        var served = byUser.Keys.ToDictionary(u => u, u => lane.LastServed.GetValueOrDefault(u, long.MinValue), StringComparer.Ordinal);
        var order = new List<SchedulerTicket>(lane.Queue.Count);
        var step = long.MaxValue - lane.Queue.Count;
        while (order.Count < lane.Queue.Count)
        {
            var user = byUser.Where(kv => kv.Value.Count > 0)
                .MinBy(kv => (served[kv.Key], kv.Value.Peek().Arrival)).Key;
            order.Add(byUser[user].Dequeue());
            served[user] = step++;
        }
        return order;
    }

    internal sealed class Lane
    {
        public int Running;
        public readonly List<SchedulerTicket> Queue = [];
        public readonly Dictionary<string, long> LastServed = new(StringComparer.Ordinal);
    }
}

internal enum TicketState { Queued, Running, Done }

/// <summary>One request's place with the scheduler: queued, then running, then done.</summary>
public sealed class SchedulerTicket : IDisposable
{
    internal const int Granted = -1;
    private readonly GenerationScheduler scheduler;

    internal SchedulerTicket(GenerationScheduler scheduler, GenerationScheduler.Lane lane, string userId, long arrival)
    {
        this.scheduler = scheduler;
        Lane = lane;
        UserId = userId;
        Arrival = arrival;
    }

    internal GenerationScheduler.Lane Lane { get; }
    internal string UserId { get; }
    internal long Arrival { get; }
    internal TicketState State { get; set; } = TicketState.Queued;
    internal int Position { get; set; } = -1;

    // Only the latest news matters: a newer position replaces one the reader has not seen yet, and "granted"
    // is always the last thing written.
    internal Channel<int> Signals { get; } = Channel.CreateBounded<int>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>
    /// Waits for the next change: the number of requests ahead, or null once the slot is ours. Throws
    /// <see cref="OperationCanceledException"/> when cancelled (the caller disposes the ticket).
    /// </summary>
    public async ValueTask<int?> NextAsync(CancellationToken cancellationToken)
    {
        while (await Signals.Reader.WaitToReadAsync(cancellationToken))
        {
            if (Signals.Reader.TryRead(out var signal)) return signal == Granted ? null : signal;
        }
        cancellationToken.ThrowIfCancellationRequested();
        throw new ObjectDisposedException(nameof(SchedulerTicket), "The request left the queue.");
    }

    public bool IsRunning => State == TicketState.Running;

    public void Dispose() => scheduler.Leave(this);
}
