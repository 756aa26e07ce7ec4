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

/** Several runs on one figure: test accuracy against bytes on the network and against virtual time. */
public final class ComparisonPlot {
  private ComparisonPlot() {}

  /** One run's evaluated points: (round, virtual seconds, cumulative bytes, accuracy). */
  public record Series(String name, List<double[]> points) {}

  public static void write(List<Series> runs, Path png) throws IOException {
    XYChart byBytes = chart("accuracy against bytes on the network", "bytes (MiB, log scale)");
    byBytes.getStyler().setXAxisLogarithmic(true);
    XYChart byTime = chart("accuracy against virtual time", "virtual time (s)");
    boolean any = false;
    for (Series s : runs) {
      List<Double> mib = new ArrayList<>();
      List<Double> time = new ArrayList<>();
      List<Double> acc = new ArrayList<>();
      for (double[] p : s.points()) {
        if (p[2] > 0) {
          mib.add(p[2] / (1024.0 * 1024.0));
          time.add(p[1]);
          acc.add(p[3] * 100);
        }
      }
      if (acc.isEmpty()) {
        continue;
      }
      any = true;
      byBytes.addSeries(s.name(), mib, acc).setMarker(SeriesMarkers.NONE);
      byTime.addSeries(s.name(), time, acc).setMarker(SeriesMarkers.NONE);
    }
    if (!any) {
      return;
    }
    BitmapEncoder.saveBitmap(List.of(byBytes, byTime), 1, 2, png.toString().replaceFirst("\\.png$", ""),
        BitmapEncoder.BitmapFormat.PNG);
  }

  private static XYChart chart(String title, String x) {
    XYChart c = new XYChartBuilder().width(720).height(540).title(title).xAxisTitle(x).yAxisTitle("test accuracy (%)").build();
    // The legend below the plot hides no curve; ticks at most two decimals (log axes included).
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    c.getStyler().setAntiAlias(true);
    c.getStyler().setDecimalPattern("#,##0.##");
    return c;
  }
}
