namespace ConstitutionHub.Core.Tests.Documents.Text;

/// <summary>
/// Tests that assert wall-clock bounds run alone, after the parallel tests, so that on a two-core machine
/// they measure the code and not the other tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimingCollection
{
    public const string Name = "Timing";
}
