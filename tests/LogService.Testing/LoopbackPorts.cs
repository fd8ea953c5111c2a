using System.Net;
using System.Net.Sockets;

namespace LogService.Testing;

/// <summary>
/// Loopback ports for test deployments, taken below the kernel's ephemeral range (32768 and up on Linux). A port
/// the kernel hands out for <c>bind(0)</c> comes from that range, and so do the source ports of every outgoing
/// connection on the machine: between the moment a port is picked and the moment a replica binds it, another test
/// process's connections could take it. Ports outside the range are only ever taken by an explicit bind.
/// </summary>
public static class LoopbackPorts
{
    private const int Lowest = 20_000;
    private const int Highest = 32_000;
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>Returns the first of <paramref name="count"/> consecutive ports that are free now and not handed out before by this process.</summary>
    public static int Block(int count)
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 500; attempt++)
            {
                var first = Random.Shared.Next(Lowest, Highest - count);
                var ports = Enumerable.Range(first, count).ToArray();
                if (ports.Any(HandedOut.Contains) || !ports.All(IsFree))
                {
                    continue;
                }

                HandedOut.UnionWith(ports);
                return first;
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free loopback ports between {Lowest} and {Highest}");
    }

    private static bool IsFree(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
