using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LogService.Replication.Abstractions;

namespace LogService.Replication.TestHost;

/// <summary>
/// A small deterministic, durable state machine for the multi-process test. It appends every executed command to a
/// text file (one block per batch, written and flushed before <see cref="Execute"/> returns) and keeps a SHA-256 hash
/// chain over them. A command's reply is its 0-based position in the global order, so a client can check that what
/// it was told matches what every replica holds. The snapshot is the whole file, so replicas that caught up by state
/// transfer end with byte-identical files.
/// </summary>
/// <remarks>
/// File format, per batch: <c>B instance commandCount chainHex</c>, then one <c>C clientId sequence payloadHex</c> line
/// per command. A trailing incomplete block (a kill in the middle of a write) is ignored when the file is loaded.
/// </remarks>
internal sealed class ChainStateMachine : IStateMachine
{
    private readonly string _path;
    private readonly bool _sync;
    private FileStream _file;
    private long _lastExecuted;
    private long _commands;
    private byte[] _chain = new byte[32];

    public ChainStateMachine(string path, bool sync)
    {
        _path = path;
        _sync = sync;
        _file = Open(path, Load(File.Exists(path) ? File.ReadAllText(path) : ""));
    }

    public long LastExecutedInstance => Interlocked.Read(ref _lastExecuted);

    public IReadOnlyList<byte[]> Execute(OrderedBatch batch)
    {
        var block = new StringBuilder();
        var replies = new byte[batch.Commands.Count][];
        var commandLines = new StringBuilder();
        for (var i = 0; i < batch.Commands.Count; i++)
        {
            var command = batch.Commands[i];
            _chain = Link(_chain, command);
            replies[i] = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(replies[i], _commands++);
            commandLines.Append(CultureInfo.InvariantCulture, $"C {command.ClientId} {command.Sequence} {Convert.ToHexString(command.Payload.Span)}\n");
        }

        block.Append(CultureInfo.InvariantCulture, $"B {batch.Instance} {batch.Commands.Count} {Convert.ToHexString(_chain)}\n").Append(commandLines);
        _file.Write(Encoding.ASCII.GetBytes(block.ToString()));
        _file.Flush(_sync);
        Interlocked.Exchange(ref _lastExecuted, batch.Instance);
        return replies;
    }

    /// <summary>Answers with the number of executed commands and the chain head.</summary>
    public byte[] ExecuteReadOnly(ReadOnlyMemory<byte> query)
    {
        var answer = new byte[40];
        BinaryPrimitives.WriteInt64LittleEndian(answer, _commands);
        _chain.CopyTo(answer, 8);
        return answer;
    }

    public byte[] TakeSnapshot()
    {
        _file.Flush(_sync);
        return File.ReadAllBytes(_path);
    }

    public void RestoreSnapshot(long instance, ReadOnlyMemory<byte> snapshot)
    {
        _file.Dispose();
        var text = Encoding.ASCII.GetString(snapshot.Span);
        var temporary = _path + ".restore";
        File.WriteAllText(temporary, text);
        File.Move(temporary, _path, overwrite: true);
        _file = Open(_path, Load(text));
        if (LastExecutedInstance != instance)
        {
            throw new InvalidDataException($"snapshot for instance {instance} ends at instance {LastExecutedInstance}");
        }
    }

    private static byte[] Link(byte[] chain, OrderedCommand command)
    {
        var input = new byte[32 + 12 + command.Payload.Length];
        chain.CopyTo(input, 0);
        BinaryPrimitives.WriteInt32LittleEndian(input.AsSpan(32), command.ClientId);
        BinaryPrimitives.WriteInt64LittleEndian(input.AsSpan(36), command.Sequence);
        command.Payload.Span.CopyTo(input.AsSpan(44));
        return SHA256.HashData(input);
    }

    /// <summary>Rebuilds the in-memory state from the file's text; returns the length of its complete blocks.</summary>
    private long Load(string text)
    {
        _lastExecuted = 0;
        _commands = 0;
        _chain = new byte[32];
        var lines = text.Split('\n');
        long complete = 0, offset = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var header = lines[i].Split(' ');
            if (header.Length != 4 || header[0] != "B" || i + int.Parse(header[2], CultureInfo.InvariantCulture) >= lines.Length - 1)
            {
                break;
            }

            var count = int.Parse(header[2], CultureInfo.InvariantCulture);
            var blockLength = lines[i].Length + 1L + lines.Skip(i + 1).Take(count).Sum(l => l.Length + 1L);
            for (var c = 1; c <= count; c++)
            {
                var parts = lines[i + c].Split(' ');
                _chain = Link(_chain, new OrderedCommand(
                    int.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture), Convert.FromHexString(parts[3])));
                _commands++;
            }

            _lastExecuted = long.Parse(header[1], CultureInfo.InvariantCulture);
            offset += blockLength;
            complete = offset;
            i += count;
        }

        return complete;
    }

    private static FileStream Open(string path, long validLength)
    {
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        file.SetLength(validLength);
        file.Seek(0, SeekOrigin.End);
        return file;
    }
}
