namespace LogService.Sealing;

/// <summary>What a sealed entry is for. The value is part of the canonical encoding.</summary>
public enum EntryKind : byte
{
    /// <summary>First entry of a stream; its body records the sealing parameters.</summary>
    Open = 1,

    /// <summary>An ordinary log entry carrying an opaque body.</summary>
    Data = 2,

    /// <summary>A periodic checkpoint recording the entry count and head so far.</summary>
    Seal = 3,

    /// <summary>Last entry of a stream, recording the final count and head; nothing may follow it.</summary>
    Close = 4,

    /// <summary>Re-keys the stream: the entry after it is sealed under a new initial secret.</summary>
    Rotation = 5,
}
