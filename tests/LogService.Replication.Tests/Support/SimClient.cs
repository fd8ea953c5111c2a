using System.Text;
using LogService.Replication.Protocol;

namespace LogService.Replication.Tests.Support;

/// <summary>A simulated client that performs a fixed number of operations, one after another.</summary>
internal sealed class SimClient : IReplicaHost
{
    private readonly Simulation sim;
    private readonly ClientCore core;
    private long scheduledTick = long.MaxValue;
    private long tickToken;

    public SimClient(Simulation sim, int id)
    {
        this.sim = sim;
        Id = id;
        core = new ClientCore(id, sim.N, this, 400);
    }

    public int Id { get; }

    public int Target { get; set; }

    /// <summary>Every few operations is read-only, when set.</summary>
    public int ReadOnlyEvery { get; set; }

    public List<(string Payload, string Reply)> Completed { get; } = [];

    public bool Done => Completed.Count >= Target;

    public long Now => sim.Now;

    public long NextNonce() => 0;

    public void Send(int to, ReadOnlySpan<byte> message) => sim.Transmit(Id, to, message.ToArray());

    public void Run(int operations)
    {
        Target = operations;
        sim.At(sim.Now + sim.Random.Next(50), Next);
    }

    public void Receive(int from, byte[] message)
    {
        core.OnMessage(from, message);
        ScheduleTick();
    }

    private void Next()
    {
        if (Done || core.Busy)
        {
            return;
        }

        var k = Completed.Count;
        var readOnly = ReadOnlyEvery > 0 && k % ReadOnlyEvery == ReadOnlyEvery - 1;
        var payload = readOnly ? $"read-{Id}-{k}" : $"c{Id}-op{k}";
        core.Start(Encoding.UTF8.GetBytes(payload), readOnly, reply =>
        {
            Completed.Add((payload, Encoding.UTF8.GetString(reply)));
            sim.At(sim.Now + sim.Random.Next(20), Next);
        });
        ScheduleTick();
    }

    private void ScheduleTick()
    {
        var deadline = core.Deadline;
        if (deadline == long.MaxValue || deadline == scheduledTick)
        {
            return;
        }

        scheduledTick = deadline;
        var token = ++tickToken;
        sim.At(deadline, () =>
        {
            if (token == tickToken)
            {
                scheduledTick = long.MaxValue;
                core.Tick();
                ScheduleTick();
            }
        });
    }
}
