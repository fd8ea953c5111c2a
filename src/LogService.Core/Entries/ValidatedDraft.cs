namespace LogService.Core.Entries;

/// <summary>
/// What the Log Core needs from a draft whose encoding <see cref="EntryCodec.ValidateDraft"/> accepted: the fields it
/// lifts into the clear header, the sequence it seals into the body, and where the body's bytes start.
/// </summary>
/// <param name="Level">The draft's level.</param>
/// <param name="EventType">The draft's event type.</param>
/// <param name="Sequence">The writer's per-source sequence, if the draft has one.</param>
/// <param name="BodyOffset">Where the encoded body starts in the draft; it runs to the draft's end.</param>
internal readonly record struct ValidatedDraft(EntryLevel Level, uint EventType, long? Sequence, int BodyOffset);
