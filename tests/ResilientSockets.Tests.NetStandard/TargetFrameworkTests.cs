using System.Runtime.Versioning;
using FluentAssertions;
using Xunit;

namespace ResilientSockets.Tests;

public sealed class TargetFrameworkTests
{
    [Fact]
    public void The_assembly_under_test_is_the_netstandard20_build()
        => typeof(ResilientWebSocket).Assembly.GetCustomAttributes(typeof(TargetFrameworkAttribute), false)
            .Cast<TargetFrameworkAttribute>().Single().FrameworkName.Should().Be(".NETStandard,Version=v2.0");
}
