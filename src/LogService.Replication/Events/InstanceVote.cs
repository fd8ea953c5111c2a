namespace LogService.Replication.Events;

/// <summary>
/// One message behind a decision, as the reporting replica saw it: the leader's PROPOSE, or a replica's WRITE or
/// ACCEPT for the decided value in the deciding regency.
/// </summary>
/// <param name="Message">Which phase: <see cref="MessageKind.Propose"/>, <see cref="MessageKind.Write"/> or <see cref="MessageKind.Accept"/>.</param>
/// <param name="Replica">The sender, authenticated by its link (the leader's PROPOSE also by its signature).</param>
/// <param name="Time">When the reporting replica received it, on its clock (milliseconds since the Unix epoch).</param>
public readonly record struct InstanceVote(MessageKind Message, int Replica, long Time);
