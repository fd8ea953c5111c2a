namespace LogService.Server.Ingestion;

/// <summary>Why an ingestion request was rejected; each kind maps to one HTTP status.</summary>
public enum IngestErrorKind
{
    /// <summary>The payload is not well-formed for its format (bad JSON, wrong shape). 400.</summary>
    MalformedPayload,

    /// <summary>One event breaks a rule: a wrong type, a bad level or timestamp, too deep or too many properties. 400.</summary>
    InvalidEntry,

    /// <summary>The payload holds no events. 400.</summary>
    EmptyPayload,

    /// <summary>The request body is larger than <see cref="IngestLimits.MaxRequestBytes"/>. 413.</summary>
    PayloadTooLarge,

    /// <summary>One event is larger than <see cref="IngestLimits.MaxEntryBytes"/>. 413.</summary>
    EntryTooLarge,

    /// <summary>The request holds more than <see cref="IngestLimits.MaxEntriesPerRequest"/> events. 413.</summary>
    TooManyEntries,

    /// <summary>The content type is not one the format accepts. 415.</summary>
    UnsupportedMediaType,
}
