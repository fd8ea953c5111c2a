namespace LogService.Replication.Wire;

/// <summary>Thrown when bytes from a peer do not form a valid message; the engine reports it and drops the message.</summary>
internal sealed class WireFormatException(string message) : Exception(message);
