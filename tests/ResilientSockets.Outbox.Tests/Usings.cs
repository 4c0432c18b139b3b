global using System.Net.WebSockets;
global using FluentAssertions;
global using Xunit;
