using LogService.Core.Commands;
using LogService.Core.Entries;
using LogService.Storage;

namespace LogService.Core.Replica;

/// <summary>One replica's signature over a statement.</summary>
/// <param name="Replica">The signing replica's id.</param>
/// <param name="Signature">ECDSA P-256 over <see cref="CommitStatement.ToSignedBytes"/>, IEEE P1363 (64 bytes).</param>
public sealed record ReplicaSignature(int Replica, byte[] Signature);

/// <summary>
/// A certified head (DESIGN §8): a commit statement with the signatures of 2f+1 distinct replicas. With at most f
/// faulty replicas, at least f+1 correct ones executed the stream up to this head, so no correct replica can later
/// present a shorter or different history. The same shape with f+1 signatures is a receipt.
/// </summary>
/// <param name="Statement">The certified statement.</param>
/// <param name="Signatures">The signatures, in ascending replica order.</param>
public sealed record HeadCertificate(CommitStatement Statement, IReadOnlyList<ReplicaSignature> Signatures)
{
    /// <summary>
    /// Checks the certificate against the key set. Strict, so that every replica reaches the same verdict from the
    /// same bytes: every signature must be valid and from a distinct replica of the set, and there must be at least
    /// 2f+1 of them. Returns null when valid, otherwise why not.
    /// </summary>
    public string? Check(ReplicaKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (Signatures.Count < keys.CertificateQuorum)
        {
            return $"a certified head needs {keys.CertificateQuorum} signatures, this one has {Signatures.Count}";
        }

        var previous = -1;
        foreach (var signature in Signatures)
        {
            if (signature.Replica <= previous)
            {
                return "certificate signatures must be from distinct replicas in ascending order";
            }

            if (signature.Replica >= keys.Count)
            {
                return $"replica {signature.Replica} is not in the replica key set";
            }

            if (!keys.Verify(Statement, signature.Replica, signature.Signature))
            {
                return $"the signature of replica {signature.Replica} does not verify";
            }

            previous = signature.Replica;
        }

        return null;
    }

    /// <summary>Collects a certificate from replies that carry <paramref name="statement"/> (e.g. the replies to a
    /// <see cref="CertifyHeadsCommand"/>), keeping one valid signature per replica; null when fewer than 2f+1 are valid.</summary>
    public static HeadCertificate? Assemble(CommitStatement statement, IEnumerable<CommandReply> replies, ReplicaKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(statement);
        ArgumentNullException.ThrowIfNull(replies);
        ArgumentNullException.ThrowIfNull(keys);
        var signatures = new SortedDictionary<int, byte[]>();
        foreach (var reply in replies)
        {
            for (var i = 0; i < reply.Statements.Count && i < reply.Signatures.Count; i++)
            {
                if (SameStatement(reply.Statements[i], statement))
                {
                    if (!signatures.ContainsKey(reply.ReplicaId) && keys.Verify(statement, reply.ReplicaId, reply.Signatures[i]))
                    {
                        signatures.Add(reply.ReplicaId, reply.Signatures[i]);
                    }
                }
            }
        }

        return signatures.Count < keys.CertificateQuorum
            ? null
            : new HeadCertificate(statement, signatures.Select(s => new ReplicaSignature(s.Key, s.Value)).ToArray());
    }

    /// <summary>The whole certificate: the statement's signed bytes, then the signature list (canonical encoding).</summary>
    public byte[] Encode()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(200 + (Signatures.Count * 70));
        var writer = new CanonicalWriter(buffer);
        writer.WriteBytes(Statement.ToSignedBytes());
        WriteSignatures(writer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a certificate written by <see cref="Encode"/>.</summary>
    /// <exception cref="EntryEncodingException">The bytes are not exactly one canonical certificate.</exception>
    public static HeadCertificate Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new CanonicalReader(encoded);
        var certificate = Read(ref reader);
        return reader.AtEnd ? certificate : throw CanonicalReader.Malformed("trailing bytes after the certificate");
    }

    /// <summary>The form kept in <see cref="CertifiedHead.Signatures"/>: the statement's first sequence and the
    /// signatures, the rest of the statement being the stored head's own columns.</summary>
    public CertifiedHead ToStored() => new(Statement.StreamId, Statement.LastSequence, Statement.YHead, Statement.MerkleRoot, Statement.Instance, EncodeStoredSignatures());

    /// <summary>Rebuilds a certificate from its stored form.</summary>
    /// <exception cref="EntryEncodingException">The stored signature column is damaged.</exception>
    public static HeadCertificate FromStored(CertifiedHead stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var reader = new CanonicalReader(stored.Signatures);
        var first = reader.ReadInt64();
        var signatures = ReadSignatures(ref reader);
        return reader.AtEnd
            ? new HeadCertificate(new CommitStatement(stored.StreamId, first, stored.Sequence, stored.YHead, stored.MerkleRoot, stored.Instance), signatures)
            : throw CanonicalReader.Malformed("trailing bytes after the stored signatures");
    }

    internal static HeadCertificate Read(ref CanonicalReader reader)
    {
        CommitStatement statement;
        try
        {
            statement = StatementCodec.Decode(reader.ReadBytes());
        }
        catch (FormatException ex)
        {
            throw CanonicalReader.Malformed(ex.Message);
        }

        return new HeadCertificate(statement, ReadSignatures(ref reader));
    }

    internal void Write(CanonicalWriter writer)
    {
        writer.WriteBytes(Statement.ToSignedBytes());
        WriteSignatures(writer);
    }

    private byte[] EncodeStoredSignatures()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16 + (Signatures.Count * 70));
        var writer = new CanonicalWriter(buffer);
        writer.WriteInt64(Statement.FirstSequence);
        WriteSignatures(writer);
        return buffer.WrittenSpan.ToArray();
    }

    private void WriteSignatures(CanonicalWriter writer)
    {
        writer.WriteVarUInt((ulong)Signatures.Count);
        foreach (var signature in Signatures)
        {
            writer.WriteVarUInt((ulong)signature.Replica);
            writer.WriteBytes(signature.Signature);
        }
    }

    private static ReplicaSignature[] ReadSignatures(ref CanonicalReader reader)
    {
        var signatures = new ReplicaSignature[reader.ReadCount()];
        for (var i = 0; i < signatures.Length; i++)
        {
            var replica = reader.ReadVarUInt();
            signatures[i] = new ReplicaSignature(replica > int.MaxValue ? throw CanonicalReader.Malformed("replica id out of range") : (int)replica, reader.ReadBytes());
        }

        return signatures;
    }

    private static bool SameStatement(CommitStatement a, CommitStatement b) => a.ToSignedBytes().AsSpan().SequenceEqual(b.ToSignedBytes());
}
