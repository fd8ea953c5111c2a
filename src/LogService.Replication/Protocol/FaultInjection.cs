namespace LogService.Replication.Protocol;

/// <summary>
/// Byzantine behaviours a test can switch on for one replica, to check that the others tolerate them.
/// All off by default; production deployments never set them (a host enables them only from explicit test settings).
/// </summary>
public sealed class FaultInjection
{
    /// <summary>As leader, send a different (validly signed) batch to half of the replicas.</summary>
    public bool Equivocate { get; set; }

    /// <summary>As leader, never propose this client's requests (-1: none).</summary>
    public int CensoredClient { get; set; } = -1;

    /// <summary>Send WRITE and ACCEPT votes for random digests.</summary>
    public bool WrongDigests { get; set; }

    /// <summary>Send ACCEPTs whose signatures are invalid (the votes themselves are right).</summary>
    public bool BadAcceptSignatures { get; set; }

    /// <summary>Send corrupted replies to clients.</summary>
    public bool WrongReplies { get; set; }

    /// <summary>Send nothing at all.</summary>
    public bool Silent { get; set; }

    /// <summary>Whether any behaviour is switched on.</summary>
    public bool Any => Equivocate || CensoredClient >= 0 || WrongDigests || BadAcceptSignatures || WrongReplies || Silent;
}
