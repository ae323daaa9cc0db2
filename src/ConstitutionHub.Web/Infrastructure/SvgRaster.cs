using System.Diagnostics;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// SVG to PNG by librsvg's rsvg-convert (no image library for .NET on Linux is in our package registry), for share
/// previews and downloadable charts. A process per image, at most two at once (what this machine's cores can give),
/// killed after ten seconds. A refused image is an <see cref="InvalidOperationException"/> with rsvg-convert's reason.
/// </summary>
public sealed class SvgRaster(ILogger<SvgRaster> logger) : IDisposable
{
    private readonly SemaphoreSlim conversions = new(2, 2);

    /// <summary>The PNG of <paramref name="svg"/> at <paramref name="width"/> pixels (the SVG's own size when null) and,
    /// when given, <paramref name="height"/>.</summary>
    public async Task<byte[]> PngAsync(string svg, int? width, int? height, CancellationToken ct)
    {
        List<string> arguments = ["--format", "png"];
        if (width is { } w) arguments.AddRange(["--width", $"{w}"]);
        if (height is { } h) arguments.AddRange(["--height", $"{h}"]);
        var start = new ProcessStartInfo("rsvg-convert", arguments)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        await conversions.WaitAsync(ct);
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException("rsvg-convert did not start.");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                var output = new MemoryStream();
                var copy = process.StandardOutput.BaseStream.CopyToAsync(output, timeout.Token);
                var errors = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.StandardInput.WriteAsync(svg.AsMemory(), timeout.Token);
                process.StandardInput.Close();
                await copy;
                await process.WaitForExitAsync(timeout.Token);
                if (process.ExitCode != 0) throw new InvalidOperationException($"rsvg-convert failed: {await errors}");
                return output.ToArray();
            }
            catch (OperationCanceledException)
            {
                process.Kill();
                logger.LogWarning("rsvg-convert took longer than 10 seconds");
                throw;
            }
        }
        finally
        {
            conversions.Release();
        }
    }

    public void Dispose() => conversions.Dispose();
}
