package dev.starling.app.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Draws test accuracy against round and against virtual time, side by side, with XChart. */
public final class AccuracyPlot {
  private AccuracyPlot() {}

  public static void write(RunResult r, Path png) throws IOException {
    List<Double> rounds = new ArrayList<>();
    List<Double> times = new ArrayList<>();
    List<Double> acc = new ArrayList<>();
    for (MetricsRow row : r.rows()) {
      if (row.accuracy() != null) {
        rounds.add((double) row.round());
        times.add(row.virtualTimeSeconds());
        acc.add(row.accuracy() * 100);
      }
    }
    if (acc.isEmpty()) {
      return;
    }
    XYChart byRound = chart(r.name() + ": accuracy by round", "round", rounds, acc);
    XYChart byTime = chart(r.name() + ": accuracy by virtual time", "virtual time (s)", times, acc);
    BitmapEncoder.saveBitmap(List.of(byRound, byTime), 1, 2, png.toString().replaceFirst("\\.png$", ""),
        BitmapEncoder.BitmapFormat.PNG);
  }

  private static XYChart chart(String title, String x, List<Double> xs, List<Double> ys) {
    XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle(x).yAxisTitle("test accuracy (%)").build();
    c.getStyler().setLegendVisible(false);
    c.getStyler().setAntiAlias(true);
    XYSeries s = c.addSeries("accuracy", xs, ys);
    s.setMarker(SeriesMarkers.NONE);
    return c;
  }
}
