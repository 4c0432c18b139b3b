using ScottPlot;

namespace ResilientSockets.Benchmarks;

/// <summary>One bar chart of every client relative to raw ClientWebSocket, oriented so that higher is better everywhere.</summary>
internal static class Chart
{
    private static readonly (string Scenario, string Label, bool HigherIsBetter)[] Cases =
    [
        ("throughput-64-text", "64 B text\nmsg/s", true),
        ("throughput-4k-binary", "4 KiB binary\nmsg/s", true),
        ("receive-64", "receive 64 B\nmsg/s", true),
        ("echo-64", "echo 64 B\np50 latency", false),
        ("transfer-256", "256 MiB\nMB/s", true),
        ("restart-to-delivery", "restart to\nqueued delivery", false),
        ("black-hole-detection", "black-hole\ndetection", false),
    ];

    private static readonly (string Client, string Label, Color Color)[] Series =
    [
        ("resilient", "ResilientSockets", Colors.SteelBlue),
        ("resilient-chunked", "ResilientSockets (chunked transfer)", Colors.LightSkyBlue),
        ("websocket-client", "Websocket.Client 5.5.1", Colors.DarkOrange),
    ];

    public static void Save(IReadOnlyList<ScenarioResult> results, string path, string caption)
    {
        var plot = new Plot();
        var bars = new List<Bar>();
        var position = 0.0;
        var ticks = new List<Tick>();
        foreach (var (scenario, label, higherIsBetter) in Cases)
        {
            var raw = results.FirstOrDefault(r => r.Scenario == scenario && r.Client == "raw");
            if (raw is null)
            {
                continue;
            }

            var start = position;
            foreach (var (client, _, color) in Series)
            {
                var result = results.FirstOrDefault(r => r.Scenario == scenario && r.Client == client);
                if (result is null || Value(raw) is not > 0 || Value(result) is not > 0)
                {
                    continue;
                }

                var ratio = higherIsBetter ? Value(result) / Value(raw) : Value(raw) / Value(result);
                bars.Add(new Bar { Position = position, Value = ratio, FillColor = color, Label = $"{ratio:0.00}" });
                position += 1;
            }

            ticks.Add(new Tick((start + position - 1) / 2, label));
            position += 1;
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;
        var floor = plot.Add.HorizontalLine(1.0);
        floor.LineColor = Colors.Gray;
        floor.LinePattern = LinePattern.Dashed;
        floor.LegendText = "raw ClientWebSocket = 1.0";
        foreach (var (_, label, color) in Series)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color });
        }

        plot.ShowLegend(Edge.Bottom);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.25);
        plot.YLabel("relative to raw ClientWebSocket (higher is better)");
        plot.Title(caption, size: 13);
        plot.SavePng(path, 1100, 520);
    }

    private static double Value(ScenarioResult r) => r.Scenario switch
    {
        var s when s.StartsWith("throughput", StringComparison.Ordinal) || s == "receive-64" => r.PerSecond,
        "echo-64" => r.P50Micros,
        "transfer-256" => r.MegabytesPerSecond,
        _ => r.Lost > 0 ? double.NaN : r.Millis,
    };
}
