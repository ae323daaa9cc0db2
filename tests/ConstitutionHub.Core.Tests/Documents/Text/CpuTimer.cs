using System.Diagnostics;

namespace ConstitutionHub.Core.Tests.Documents.Text;

/// <summary>
/// Measures this process's CPU time as well as wall-clock time. Timing guards assert on CPU time: the build
/// machine is shared, and other people's builds stretch wall-clock time several-fold without saying anything
/// about our code. Tests using it run in <see cref="TimingCollection"/>, so no other test adds CPU time.
/// </summary>
internal readonly struct CpuTimer
{
    private readonly TimeSpan cpuStart;
    private readonly long wallStart;

    private CpuTimer(TimeSpan cpuStart, long wallStart)
    {
        this.cpuStart = cpuStart;
        this.wallStart = wallStart;
    }

    public static CpuTimer Start() => new(Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.GetTimestamp());

    public long CpuMilliseconds => (long)(Process.GetCurrentProcess().TotalProcessorTime - this.cpuStart).TotalMilliseconds;

    public long WallMilliseconds => (long)Stopwatch.GetElapsedTime(this.wallStart).TotalMilliseconds;

    public static (long Cpu, long Wall) Time(Action action)
    {
        var timer = Start();
        action();
        return (timer.CpuMilliseconds, timer.WallMilliseconds);
    }
}
