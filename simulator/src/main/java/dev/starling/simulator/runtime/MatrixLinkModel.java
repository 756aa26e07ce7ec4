package dev.starling.simulator.runtime;

import dev.starling.node.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Latency from a matrix of round-trip times between sites (a square CSV in milliseconds, e.g.
 * measured between cloud regions or cities), nodes assigned to sites; one-way latency is half the
 * RTT. Bandwidth and loss come from the wrapped model.
 */
public final class MatrixLinkModel implements LinkModel {

  private final double[][] oneWaySeconds;
  private final int[] siteOf;
  private final LinkModel base;

  public MatrixLinkModel(double[][] rttMs, int[] siteOf, LinkModel base) {
    this.oneWaySeconds = new double[rttMs.length][rttMs.length];
    for (int a = 0; a < rttMs.length; a++) {
      for (int b = 0; b < rttMs.length; b++) {
        oneWaySeconds[a][b] = rttMs[a][b] / 2e3;
      }
    }
    this.siteOf = siteOf.clone();
    this.base = base;
  }

  /**
   * Reads a square CSV of non-negative RTTs in ms; a first row that is not numeric is a header
   * and a first column that is not numeric holds site names.
   */
  public static double[][] readCsv(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file);
    } catch (IOException e) {
      throw new UserError("config key 'network.latency-matrix': cannot read " + file + " (" + e.getMessage() + ")");
    }
    List<double[]> rows = new ArrayList<>();
    for (int ln = 0; ln < lines.size(); ln++) {
      String line = lines.get(ln).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] cells = line.split(",");
      int first = isNumber(cells[0]) ? 0 : 1;
      if (first == 1 && rows.isEmpty() && cells.length > 1 && !isNumber(cells[1])) {
        continue; // header row
      }
      double[] row = new double[cells.length - first];
      for (int i = first; i < cells.length; i++) {
        if (!isNumber(cells[i]) || Double.parseDouble(cells[i].strip()) < 0) {
          throw new UserError("latency matrix " + file + " line " + (ln + 1) + ": '" + cells[i].strip()
              + "' is not a non-negative number of milliseconds");
        }
        row[i - first] = Double.parseDouble(cells[i].strip());
      }
      rows.add(row);
    }
    for (double[] r : rows) {
      if (r.length != rows.size()) {
        throw new UserError("latency matrix " + file + " must be square: " + rows.size() + " rows but a row of "
            + r.length + " values");
      }
    }
    if (rows.isEmpty()) {
      throw new UserError("latency matrix " + file + " is empty");
    }
    return rows.toArray(double[][]::new);
  }

  private static boolean isNumber(String s) {
    try {
      Double.parseDouble(s.strip());
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @Override
  public double latencySeconds(int from, int to, SplittableRandom rng) {
    return oneWaySeconds[siteOf[from]][siteOf[to]];
  }

  @Override
  public double uplinkBytesPerSecond(int id) {
    return base.uplinkBytesPerSecond(id);
  }

  @Override
  public double downlinkBytesPerSecond(int id) {
    return base.downlinkBytesPerSecond(id);
  }

  @Override
  public double lossProbability() {
    return base.lossProbability();
  }
}
