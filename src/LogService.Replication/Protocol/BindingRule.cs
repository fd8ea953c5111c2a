using LogService.Replication.Crypto;
using LogService.Replication.Wire;

namespace LogService.Replication.Protocol;

/// <summary>
/// Decides, from the signed STOPDATA states of at least n-f replicas, which value each open instance must keep
/// (the "sound" predicate of Byzantine epoch consensus, as in Mod-SMaRt). A value is bound when some state
/// accepted it in regency ts, more than (n+f)/2 states accepted nothing later than ts or exactly that, and more than
/// f states wrote it in a regency at or after ts; an instance is free when more than (n+f)/2 states accepted nothing.
/// Any value that may have been decided is bound, so a new leader can never overturn a decision.
/// </summary>
internal static class BindingRule
{
    public sealed record Outcome(long LastDecided, Dictionary<long, byte[]> Bound, bool Sound);

    /// <summary>Evaluates validated STOPDATAs from distinct replicas for a group of <paramref name="n"/> replicas tolerating <paramref name="f"/>.</summary>
    public static Outcome Evaluate(IReadOnlyList<StopDataMessage> reports, int n, int f)
    {
        var lastDecided = reports.Max(r => r.LastDecided?.Instance ?? 0);
        var last = reports.SelectMany(r => r.States).Select(s => s.Instance).DefaultIfEmpty(0).Max();
        var bound = new Dictionary<long, byte[]>();
        var empty = new InstanceState(0, -1, new byte[Digest.Size], [], []);
        for (var i = lastDecided + 1; i <= last; i++)
        {
            var instance = i;
            var states = reports.Select(r => r.States.FirstOrDefault(s => s.Instance == instance) ?? empty).ToList();
            var value = BoundValue(states, n, f);
            if (value is not null)
            {
                bound[i] = value;
            }
            else if (!Unbound(states, n, f))
            {
                return new Outcome(lastDecided, bound, Sound: false);
            }
        }

        return new Outcome(lastDecided, bound, Sound: true);
    }

    private static int MoreThanHalfOfNPlusF(int n, int f) => ((n + f) / 2) + 1;

    private static bool Unbound(List<InstanceState> states, int n, int f) =>
        states.Count(s => s.ValueRegency < 0) >= MoreThanHalfOfNPlusF(n, f);

    private static byte[]? BoundValue(List<InstanceState> states, int n, int f)
    {
        foreach (var candidate in states.Where(s => s.ValueRegency >= 0).OrderByDescending(s => s.ValueRegency))
        {
            var ts = candidate.ValueRegency;
            var v = candidate.ValueDigest;
            var quorumHighest = states.Count(s => s.ValueRegency < ts || (s.ValueRegency == ts && Digest.Equal(s.ValueDigest, v)));
            var certified = states.Count(s => s.WriteSet.Any(w => w.Regency >= ts && Digest.Equal(w.Digest, v)));
            if (quorumHighest >= MoreThanHalfOfNPlusF(n, f) && certified > f)
            {
                return candidate.Value;
            }
        }

        return null;
    }
}
