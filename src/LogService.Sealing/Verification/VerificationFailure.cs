namespace LogService.Sealing.Verification;

/// <summary>Why verification stopped at an entry.</summary>
public enum VerificationFailure
{
    /// <summary>The bytes are not a canonical entry of a known format version.</summary>
    MalformedEntry,

    /// <summary>The entry names another stream: it was spliced in.</summary>
    WrongStream,

    /// <summary>The expected entry is missing: the next one present has a higher sequence.</summary>
    Gap,

    /// <summary>The entry repeats the sequence of the one before it.</summary>
    Duplicate,

    /// <summary>An earlier entry appears again later in the stream.</summary>
    Replay,

    /// <summary>The expected entry is present, but later than its place.</summary>
    Reorder,

    /// <summary>The stream does not start with its open entry, or an open entry appears later.</summary>
    MissingOpen,

    /// <summary>An entry follows the close entry.</summary>
    EntryAfterClose,

    /// <summary>Y_j ≠ H(Y_{j-1} ‖ header_j ‖ C_j ‖ W_j): the header, body or previous link was altered.</summary>
    BrokenLink,

    /// <summary>Z_j ≠ HMAC_{A_j}(Y_j): the entry was not sealed with this stream's secret at position j.</summary>
    MacMismatch,

    /// <summary>The body does not decrypt and authenticate under K_j.</summary>
    DecryptionFailed,

    /// <summary>An open, seal, close or rotation entry records something that disagrees with the chain.</summary>
    BadControlEntry,

    /// <summary>A rotation entry's successor secret was not supplied, so later entries cannot be checked.</summary>
    MissingRotationSecret,

    /// <summary>The stream is shorter than a known count, or ends without its close entry when one is required.</summary>
    Truncated,

    /// <summary>The link at a known count differs from the known (certified) head.</summary>
    HeadMismatch,
}
