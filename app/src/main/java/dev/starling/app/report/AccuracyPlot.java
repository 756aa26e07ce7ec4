package dev.starling.app.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws a run with XChart, three panels: test accuracy by round (for decentralized runs the mean
 * over the nodes' own models and their minimum), by virtual time, and the test and training loss
 * by round. Ticks show at most two decimals; a run of a single evaluated round draws a point.
 */
public final class AccuracyPlot {
  private AccuracyPlot() {}

  public static void write(RunResult r, Path png) throws IOException {
    List<Double> rounds = new ArrayList<>();
    List<Double> times = new ArrayList<>();
    List<Double> acc = new ArrayList<>();
    List<Double> accMin = new ArrayList<>();
    List<Double> loss = new ArrayList<>();
    List<Double> allRounds = new ArrayList<>();
    List<Double> trainLoss = new ArrayList<>();
    boolean perNode = false;
    for (MetricsRow row : r.rows()) {
      allRounds.add((double) row.round());
      trainLoss.add(row.trainLoss());
      if (row.accuracy() != null) {
        rounds.add((double) row.round());
        times.add(row.virtualTimeSeconds());
        acc.add(row.accuracy() * 100);
        accMin.add(row.accuracyMin() == null ? row.accuracy() * 100 : row.accuracyMin() * 100);
        perNode |= row.accuracyMin() != null;
        loss.add(row.loss() == null ? Double.NaN : row.loss());
      }
    }
    if (acc.isEmpty()) {
      return;
    }
    String mean = perNode ? "mean over nodes" : "accuracy";
    XYChart byRound = chart(r.name() + ": accuracy by round", "round", "test accuracy (%)");
    series(byRound, mean, rounds, acc);
    XYChart byTime = chart(r.name() + ": accuracy by virtual time", "virtual time (s)", "test accuracy (%)");
    series(byTime, mean, times, acc);
    if (perNode) {
      series(byRound, "minimum over nodes", rounds, accMin);
      series(byTime, "minimum over nodes", times, accMin);
    }
    XYChart losses = chart(r.name() + ": loss by round", "round", "loss");
    series(losses, "test loss", rounds, loss);
    series(losses, "train loss (participants)", allRounds, trainLoss);
    for (XYChart c : List.of(byRound, byTime)) {
      c.getStyler().setLegendVisible(perNode);
    }
    BitmapEncoder.saveBitmap(List.of(byRound, byTime, losses), 1, 3, png.toString().replaceFirst("\\.png$", ""),
        BitmapEncoder.BitmapFormat.PNG);
  }

  private static void series(XYChart c, String name, List<Double> xs, List<Double> ys) {
    c.addSeries(name, xs, ys).setMarker(xs.size() == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
  }

  private static XYChart chart(String title, String x, String y) {
    XYChart c = new XYChartBuilder().width(640).height(480).title(title).xAxisTitle(x).yAxisTitle(y).build();
    c.getStyler().setAntiAlias(true);
    c.getStyler().setDecimalPattern("#,##0.##");
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS); // below the plot: it hides no curve
    return c;
  }
}
