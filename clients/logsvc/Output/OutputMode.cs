namespace LogService.Cli.Output;

/// <summary>How results are printed on standard output.</summary>
internal enum OutputMode
{
    /// <summary>Tables and colours (the default on a terminal).</summary>
    Table,

    /// <summary>One plain line per item (the default when output is redirected).</summary>
    Plain,

    /// <summary>JSON: one object per line for entries, one document otherwise.</summary>
    Json,
}
