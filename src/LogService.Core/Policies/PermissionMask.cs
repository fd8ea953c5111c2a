namespace LogService.Core.Policies;

/// <summary>The rule that relates an entry's permission mask W to a reader's mask M.</summary>
public static class PermissionMask
{
    /// <summary>A reader holding <paramref name="readerMask"/> may read an entry sealed with <paramref name="entryMask"/>.</summary>
    /// <param name="entryMask">The entry's mask W, fixed when it was written.</param>
    /// <param name="readerMask">The reader's mask M from <see cref="IPolicyDecisionPoint.ReadMaskFor"/>.</param>
    /// <returns><see langword="true"/> when the masks share at least one bit.</returns>
    public static bool MayRead(ulong entryMask, ulong readerMask) => (entryMask & readerMask) != 0;
}
