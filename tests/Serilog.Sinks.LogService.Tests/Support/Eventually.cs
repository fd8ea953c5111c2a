namespace Serilog.Sinks.LogService.Tests.Support;

/// <summary>Waits for a condition with a generous limit; the limit only bounds a failing test, it never decides a pass.</summary>
internal static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }
}
