using Xunit;

namespace ResilientSockets.Tests.Infrastructure;

/// <summary>
/// Tests that measure the whole process (heap, handles, timing histograms) cannot share it with other tests:
/// this collection runs on its own, after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideCollection
{
    public const string Name = "Process-wide measurements";
}
