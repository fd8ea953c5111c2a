namespace LogService.Core.Replica;

/// <summary>A bounded, thread-safe set of the most recently added instance numbers.</summary>
internal sealed class RecentInstances(int capacity)
{
    private readonly HashSet<long> _set = [];
    private readonly Queue<long> _order = new();

    public void Add(long instance)
    {
        lock (_set)
        {
            if (!_set.Add(instance))
            {
                return;
            }

            _order.Enqueue(instance);
            if (_order.Count > capacity)
            {
                _set.Remove(_order.Dequeue());
            }
        }
    }

    public bool Contains(long instance)
    {
        lock (_set)
        {
            return _set.Contains(instance);
        }
    }
}
