namespace LogService.Core.Capture;

/// <summary>What one replica saw of one consensus instance until it executed: who sent which vote, and when.</summary>
internal sealed class InstanceTally(long instance)
{
    public long Instance { get; } = instance;

    public int Regency { get; set; }

    public int Leader { get; set; } = -1;

    public byte[] Digest { get; set; } = [];

    public long DecidedAt { get; set; }

    public List<(int Replica, long Time)> Propose { get; } = [];

    public List<(int Replica, long Time)> Writes { get; } = [];

    public List<(int Replica, long Time)> Accepts { get; } = [];

    /// <summary>Records a sender's first message of a kind; repeats (retransmissions) keep the first time.</summary>
    public static void Note(List<(int Replica, long Time)> senders, int replica, long time)
    {
        if (!senders.Exists(s => s.Replica == replica))
        {
            senders.Add((replica, time));
        }
    }
}
