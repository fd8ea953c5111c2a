namespace LogService.Storage;

/// <summary>The durable head of one stream, written with every batch that touches the stream.</summary>
/// <param name="StreamId">The stream, <c>tenant/name</c>.</param>
/// <param name="Tenant">The tenant that owns the stream.</param>
/// <param name="LastSequence">The sequence of the stream's last entry.</param>
/// <param name="YHead">The chain value Y of the last entry (32 bytes).</param>
/// <param name="MerkleState">The stream's Merkle accumulator state, opaque to the store.</param>
/// <param name="SealerState">The sealer's state, already encrypted by the caller, opaque to the store.</param>
/// <param name="Retention">The stream's retention policy.</param>
public sealed record StreamHead(
    string StreamId,
    string Tenant,
    long LastSequence,
    byte[] YHead,
    byte[] MerkleState,
    byte[] SealerState,
    RetentionPolicy Retention);

/// <summary>A stream head signed by 2f+1 replicas (a certified head).</summary>
/// <param name="StreamId">The stream.</param>
/// <param name="Sequence">The last sequence the head covers.</param>
/// <param name="YHead">Y of that entry.</param>
/// <param name="MerkleRoot">The stream's Merkle root at that sequence.</param>
/// <param name="Instance">The consensus instance that produced the head.</param>
/// <param name="Signatures">The replicas' signatures, encoded by the caller.</param>
public sealed record CertifiedHead(
    string StreamId,
    long Sequence,
    byte[] YHead,
    byte[] MerkleRoot,
    long Instance,
    byte[] Signatures);
