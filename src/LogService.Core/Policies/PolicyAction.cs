namespace LogService.Core.Policies;

/// <summary>What a principal asks to do with a stream or tenant.</summary>
public enum PolicyAction
{
    /// <summary>Append entries to a stream.</summary>
    Write,

    /// <summary>Query entries of a stream.</summary>
    Read,

    /// <summary>Verify a stream and obtain the material needed for it.</summary>
    Audit,

    /// <summary>Create, close or configure streams and grants of a tenant.</summary>
    Administer,

    /// <summary>Operate the deployment: replicas, system streams, health.</summary>
    Operate,
}
