using System.Security.Cryptography;

namespace LogService.Core.Replica;

/// <summary>
/// The published public keys of every replica, in id order, with the group's fault threshold: n = 3f+1 or more,
/// a receipt needs f+1 signatures and a certified head 2f+1. The verifying keys are imported once.
/// </summary>
public sealed class ReplicaKeySet : IDisposable
{
    private readonly ECDsa[] _verifiers;
    private readonly ECDiffieHellman[] _agreementKeys;

    /// <summary>Creates the set from the replicas' public keys, which must be in id order 0..n-1.</summary>
    public ReplicaKeySet(IReadOnlyList<ReplicaPublicKeys> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count == 0)
        {
            throw new ArgumentException("the key set is empty", nameof(replicas));
        }

        _verifiers = new ECDsa[replicas.Count];
        _agreementKeys = new ECDiffieHellman[replicas.Count];
        for (var i = 0; i < replicas.Count; i++)
        {
            if (replicas[i].ReplicaId != i)
            {
                throw new ArgumentException($"replica keys must be in id order; position {i} holds replica {replicas[i].ReplicaId}", nameof(replicas));
            }

            _verifiers[i] = ECDsa.Create();
            _verifiers[i].ImportSubjectPublicKeyInfo(replicas[i].SigningKey, out _);
            _agreementKeys[i] = ECDiffieHellman.Create();
            _agreementKeys[i].ImportSubjectPublicKeyInfo(replicas[i].KeyAgreementKey, out _);
        }

        Replicas = replicas.ToArray();
    }

    /// <summary>The replicas' public keys, indexed by id.</summary>
    public IReadOnlyList<ReplicaPublicKeys> Replicas { get; }

    /// <summary>n, the number of replicas.</summary>
    public int Count => Replicas.Count;

    /// <summary>f, the most faulty replicas the group tolerates: ⌊(n-1)/3⌋.</summary>
    public int MaxFaulty => (Count - 1) / 3;

    /// <summary>Signatures a certified head needs: 2f+1.</summary>
    public int CertificateQuorum => (2 * MaxFaulty) + 1;

    /// <summary>Signatures a receipt needs: f+1.</summary>
    public int ReceiptQuorum => MaxFaulty + 1;

    /// <summary>True when <paramref name="signature"/> is replica <paramref name="replicaId"/>'s valid signature of <paramref name="statement"/>.</summary>
    public bool Verify(CommitStatement statement, int replicaId, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(statement);
        if (replicaId < 0 || replicaId >= _verifiers.Length || signature.Length != CommitStatement.SignatureSize)
        {
            return false;
        }

        var verifier = _verifiers[replicaId];

        // Verification is a pure function of its inputs, but the key object is not documented as thread-safe.
        lock (verifier)
        {
            return verifier.VerifyData(statement.ToSignedBytes(), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    /// <summary>The raw ECDH secret <paramref name="ephemeral"/> shares with replica <paramref name="replicaId"/>'s key-agreement key.</summary>
    /// <remarks>Imported once here: importing a public key costs about as much as the agreement itself.</remarks>
    internal byte[] AgreeWith(int replicaId, ECDiffieHellman ephemeral)
    {
        var replica = _agreementKeys[replicaId];
        lock (replica)
        {
            using var publicKey = replica.PublicKey;
            return ephemeral.DeriveRawSecretAgreement(publicKey);
        }
    }

    /// <summary>Disposes the imported keys.</summary>
    public void Dispose()
    {
        foreach (var key in _verifiers.Concat<AsymmetricAlgorithm>(_agreementKeys))
        {
            key.Dispose();
        }
    }
}
