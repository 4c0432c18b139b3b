using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Xunit;

namespace ResilientSockets.Browser.Tests;

/// <summary>
/// Publishes samples/ResilientSockets.Browser once (Release, as a user would deploy it), serves the published wwwroot
/// from Kestrel on a loopback port, and launches Debian's Chromium headless through Playwright.
/// </summary>
public sealed class BrowserSampleFixture : IAsyncLifetime
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(8);
    private readonly string _publishDirectory = Path.Combine(Path.GetTempPath(), "resilientsockets-browser-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _web;
    private IPlaywright? _playwright;

    /// <summary>Gets the address the published page is served from, ending with '/'.</summary>
    public Uri PageRoot { get; private set; } = null!;

    /// <summary>Gets the headless Chromium.</summary>
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run `bash tests/interop/provision.sh` as root (it runs `apt-get install -y chromium`), or `sudo apt-get install -y chromium`.");
        }

        await PublishSampleAsync();
        _web = StartStaticServer(Path.Combine(_publishDirectory, "wwwroot"));
        await _web.StartAsync();
        PageRoot = new Uri(_web.Urls.Single().TrimEnd('/') + "/");

        // Playwright's own browser download stays off: the executable is Debian's.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_web is not null)
        {
            await _web.StopAsync();
            await _web.DisposeAsync();
        }

        if (Directory.Exists(_publishDirectory))
        {
            Directory.Delete(_publishDirectory, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ResilientSockets.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"ResilientSockets.sln not found above {AppContext.BaseDirectory}.");
    }

    private async Task PublishSampleAsync()
    {
        var project = Path.Combine(RepositoryRoot(), "samples", "ResilientSockets.Browser", "ResilientSockets.Browser.csproj");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-o", _publishDirectory, "-nologo" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(PublishTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet publish of the browser sample took longer than {PublishTimeout}.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of the browser sample failed ({process.ExitCode}):\n{await output}\n{await error}");
        }
    }

    private static WebApplication StartStaticServer(string root)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var files = new PhysicalFileProvider(root);
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".wasm"] = "application/wasm";
        types.Mappings[".dat"] = "application/octet-stream";
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, ContentTypeProvider = types, ServeUnknownFileTypes = true });
        return app;
    }
}
