using LogService.Core.Commands;
using LogService.Core.KeyService;
using LogService.Core.Replica;
using LogService.Replication.Abstractions;
using LogService.Sealing;
using LogService.Storage;

namespace LogService.Core.Tests.Replica;

/// <summary>
/// n Log Core replicas with their own SQLite stores and keys, fed identical decided batches the way the replication
/// engine would, so tests can compare what each replica stored.
/// </summary>
internal sealed class ReplicaGroup : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("logcore-").FullName;
    private readonly ILogStore[] _stores;
    private readonly LogCoreStateMachine[] _machines;
    private long _instance;
    private long _timestampMillis = 1_760_000_000_000;

    public ReplicaGroup(int n = 4)
    {
        Identities = Enumerable.Range(0, n).Select(ReplicaIdentity.CreateEphemeral).ToArray();
        KeySet = new ReplicaKeySet(PublicKeys);
        _stores = new ILogStore[n];
        _machines = new LogCoreStateMachine[n];
        for (var i = 0; i < n; i++)
        {
            Open(i);
        }
    }

    public ReplicaIdentity[] Identities { get; }

    public ReplicaKeySet KeySet { get; }

    public Dictionary<string, byte[]> InitialSecrets { get; } = [];

    /// <summary>Moves the leader's clock on, so the next batch is timestamped later.</summary>
    public void AdvanceTime(long milliseconds) => _timestampMillis += milliseconds;

    /// <summary>The last instance decided so far.</summary>
    public long LastInstance => _instance;

    public ILogStore Store(int replica) => _stores[replica];

    public IReadOnlyList<ReplicaPublicKeys> PublicKeys => Identities.Select(i => i.PublicKeys).ToArray();

    /// <summary>Has the key service prepare a stream and returns the create command, remembering A_0.</summary>
    public CreateStreamCommand PrepareStream(string tenant, string name)
    {
        var command = new StreamKeyService(SystemRandomSource.Instance).PrepareStream(tenant, name, RetentionPolicy.KeepAll, PublicKeys, out var secret);
        InitialSecrets[command.StreamId] = secret;
        return command;
    }

    /// <summary>Executes one decided batch on every replica and returns each replica's replies.</summary>
    public IReadOnlyList<byte[]>[] Decide(params LogCommand[] commands) => DecideRaw(commands.Select(LogCommandCodec.Encode).ToArray());

    public IReadOnlyList<byte[]>[] DecideRaw(params byte[][] payloads)
    {
        _instance++;
        _timestampMillis += 7;
        var batch = new OrderedBatch(_instance, _timestampMillis, 42, payloads.Select((p, i) => new OrderedCommand(1000 + i, _instance, p)).ToArray());
        return _machines.Select(m => m.Execute(batch)).ToArray();
    }

    /// <summary>Simulates a crash and restart of one replica: its state machine is rebuilt from its store alone.</summary>
    public void Restart(int replica)
    {
        _machines[replica].Dispose();
        _stores[replica].Dispose();
        Open(replica);
    }

    /// <summary>Replaces one replica's disk with an empty one, as a replacement machine would start.</summary>
    public void Wipe(int replica)
    {
        _machines[replica].Dispose();
        _stores[replica].Dispose();
        foreach (var file in Directory.GetFiles(_directory, $"replica-{replica}.db*"))
        {
            File.Delete(file);
        }

        Open(replica);
    }

    /// <summary>Decrypts a stream's stored entry bodies with the key service's A_0, as a reviewer with every key would.</summary>
    public IReadOnlyList<LogService.Core.Entries.EntryBody> ReadBodies(int replica, string streamId)
    {
        var sealedEntries = SealedEntries(replica, streamId).Select(e => SealedEntry.Decode(e)).ToArray();
        using var keys = KeyRelease.Derive(InitialSecrets[streamId], 0, sealedEntries.Select(e => e.Header.PermissionMask).ToArray(), ulong.MaxValue);
        return sealedEntries.Where(e => e.Header.Kind == EntryKind.Data).Select(e => LogService.Core.Entries.EntryCodec.DecodeBody(EntryDecryptor.Decrypt(e, keys)!)).ToArray();
    }

    public IReadOnlyList<ReadOnlyMemory<byte>> SealedEntries(int replica, string streamId) =>
        _stores[replica].ReadRange(streamId, 0, long.MaxValue).Entries.Select(e => (ReadOnlyMemory<byte>)e.SealedEntry).ToArray();

    /// <summary>Orders a head certification of one stream and assembles the certificate from every replica's reply.</summary>
    public HeadCertificate Certify(string streamId)
    {
        var replies = Decide(new CertifyHeadsCommand([streamId])).Select(r => CommandReply.Decode(r[0])).ToArray();
        return HeadCertificate.Assemble(replies[0].Statement!, replies, KeySet)!;
    }

    /// <summary>What one replica's disk holds now, to put back later as a rolled-back disk would.</summary>
    public byte[] CopyDisk(int replica)
    {
        using var buffer = new MemoryStream();
        _stores[replica].ExportSnapshot(SnapshotScope.WholeReplica, buffer);
        return buffer.ToArray();
    }

    /// <summary>Puts an earlier copy of a replica's disk back and restarts the replica on it.</summary>
    public void RollBackDisk(int replica, byte[] copy)
    {
        using (var source = new MemoryStream(copy))
        {
            _stores[replica].ImportSnapshot(source);
        }

        Restart(replica);
    }

    public LogCoreStateMachine Machine(int replica) => _machines[replica];

    public void Dispose()
    {
        for (var i = 0; i < _machines.Length; i++)
        {
            _machines[i].Dispose();
            _stores[i].Dispose();
            Identities[i].Dispose();
        }

        KeySet.Dispose();

        Directory.Delete(_directory, recursive: true);
    }

    private void Open(int replica)
    {
        _stores[replica] = LogStores.OpenSqlite(new SqliteStoreOptions { Path = Path.Combine(_directory, $"replica-{replica}.db") });
        _machines[replica] = new LogCoreStateMachine(_stores[replica], Identities[replica], KeySet);
    }
}
