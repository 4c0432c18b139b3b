using FluentAssertions;
using Microsoft.Playwright;
using ResilientSockets.Testing;
using Xunit;

namespace ResilientSockets.Browser.Tests;

/// <summary>The published Blazor WebAssembly sample in headless Chromium, against a real echo server that is stopped and restarted.</summary>
public sealed class BrowserSampleTests(BrowserSampleFixture fixture) : IClassFixture<BrowserSampleFixture>
{
    // Bounds for awaited page states: the first load compiles the WebAssembly runtime, so it gets the longer one.
    private static readonly float LoadTimeout = (float)TimeSpan.FromSeconds(60).TotalMilliseconds;
    private static readonly float SignalTimeout = (float)TimeSpan.FromSeconds(20).TotalMilliseconds;

    [Fact]
    public async Task The_page_survives_a_server_restart_delivers_what_was_queued_while_it_was_down_and_stops_cleanly()
    {
        await using var server = await LoopbackWebSocketServer.StartAsync();
        var page = await fixture.Browser.NewPageAsync();
        var console = new List<string>();
        page.Console += (_, message) => console.Add(message.Text);
        try
        {
            await page.GotoAsync($"{fixture.PageRoot}?server={Uri.EscapeDataString(server.GetUri().ToString())}");
            await WaitForStateAsync(page, "Open", LoadTimeout, console);

            await server.StopAsync();
            await WaitForStateAsync(page, "Reconnecting", SignalTimeout, console);

            string[] queued = ["first while down", "second while down", "third while down"];
            foreach (var text in queued)
            {
                await page.FillAsync("#message", text);
                await page.ClickAsync("#send");
            }

            (await page.TextContentAsync("#queued")).Should().Be("3", "the server is down, so the page's client holds all three");
            (await page.Locator("#received li").CountAsync()).Should().Be(0);

            await server.RestartAsync();
            await WaitForStateAsync(page, "Open", SignalTimeout, console);
            await page.WaitForFunctionAsync("n => document.querySelectorAll('#received li').length >= n", queued.Length, new() { Timeout = SignalTimeout });

            (await page.Locator("#received li").AllTextContentsAsync()).Should().Equal(queued);
            (await page.TextContentAsync("#queued")).Should().Be("0");
            var transitions = await page.Locator("#transitions li").AllTextContentsAsync();
            transitions.Should().ContainInConsecutiveOrder("Connecting -> Open", "Open -> Reconnecting");
            transitions[^1].Should().Be("Connecting -> Open");
            transitions.Should().Contain("Reconnecting -> Connecting");
            server.ReceivedMessages.Select(m => m.Text).Should().Equal(queued);

            // StopAsync in WebAssembly: a close handshake the server sees, then Closed.
            await page.ClickAsync("#stop");
            await WaitForStateAsync(page, "Closed", SignalTimeout, console);
            (await page.Locator("#transitions li").AllTextContentsAsync()).Should().EndWith(["Open -> Closing", "Closing -> Closed"]);
        }
        finally
        {
            await page.CloseAsync();
        }
    }

    private static async Task WaitForStateAsync(IPage page, string state, float timeout, List<string> console)
    {
        try
        {
            await page.WaitForFunctionAsync("s => document.getElementById('state')?.textContent === s", state, new() { Timeout = timeout });
        }
        catch (TimeoutException ex)
        {
            var shown = await page.ContentAsync();
            throw new TimeoutException($"The page did not show state {state}. Console:\n{string.Join('\n', console)}\nPage:\n{shown}", ex);
        }
    }
}
