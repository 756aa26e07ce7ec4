package dev.starling.app.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A sweep on one figure: for each configuration, the mean test accuracy over its seeds with a
 * band of one standard deviation (error bars), against round, virtual time and bytes.
 */
public final class SweepPlot {
  private SweepPlot() {}

  /**
   * One configuration's curve: per evaluated round (present in every seed) the mean round, virtual
   * seconds and MiB, the mean accuracy (%) and its standard deviation.
   */
  public record Band(String name, double[] round, double[] seconds, double[] mib, double[] mean, double[] std) {}

  public static void write(List<Band> bands, Path png) throws IOException {
    XYChart byRound = chart("accuracy against round", "round");
    XYChart byTime = chart("accuracy against virtual time", "virtual time (s)");
    XYChart byBytes = chart("accuracy against bytes on the network", "bytes (MiB, log scale)");
    byBytes.getStyler().setXAxisLogarithmic(true);
    boolean any = false;
    for (Band b : bands) {
      if (b.mean().length == 0) {
        continue;
      }
      any = true;
      byRound.addSeries(b.name(), b.round(), b.mean(), b.std()).setMarker(SeriesMarkers.NONE);
      byTime.addSeries(b.name(), b.seconds(), b.mean(), b.std()).setMarker(SeriesMarkers.NONE);
      byBytes.addSeries(b.name(), b.mib(), b.mean(), b.std()).setMarker(SeriesMarkers.NONE);
    }
    if (!any) {
      return;
    }
    BitmapEncoder.saveBitmap(List.of(byRound, byTime, byBytes), 1, 3, png.toString().replaceFirst("\\.png$", ""),
        BitmapEncoder.BitmapFormat.PNG);
  }

  private static XYChart chart(String title, String x) {
    XYChart c = new XYChartBuilder().width(640).height(480).title(title).xAxisTitle(x).yAxisTitle("test accuracy (%), mean ± std")
        .build();
    c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
    c.getStyler().setAntiAlias(true);
    c.getStyler().setErrorBarsColorSeriesColor(true);
    c.getStyler().setDecimalPattern("#0.##");
    return c;
  }
}
