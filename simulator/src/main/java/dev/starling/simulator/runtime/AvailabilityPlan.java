package dev.starling.simulator.runtime;

import dev.starling.node.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * When each node is online: from a trace file of per-node online intervals, or generated as
 * alternating exponential online and offline periods, or always. Yields the state at time 0 and
 * the later switches in (time, node) order, so that replaying them is deterministic.
 */
public final class AvailabilityPlan {

  /**
   * What the plan is made from: a trace CSV ({@code node,online_from_s,online_until_s}), or the
   * {@code alternating} generator with its mean online and offline periods, or neither (always
   * online); {@code gracefulOffline} nodes announce going offline.
   */
  public record Spec(
      Path trace, String generator, double meanOnlineSeconds, double meanOfflineSeconds, boolean gracefulOffline) {}

  /** Node {@code node} goes online or offline at {@code seconds}. */
  public record Switch(double seconds, int node, boolean online) {}

  private final boolean[] initiallyOnline;
  private final List<Switch> switches;
  private final Spec cfg;
  private final long seed;

  private AvailabilityPlan(boolean[] initiallyOnline, List<Switch> switches, Spec cfg, long seed) {
    this.initiallyOnline = initiallyOnline;
    this.switches = switches;
    this.cfg = cfg;
    this.seed = seed;
  }

  public static AvailabilityPlan of(Spec cfg, int nodes, long seed) {
    boolean[] online = new boolean[nodes];
    java.util.Arrays.fill(online, true);
    List<Switch> switches = new ArrayList<>();
    if (cfg.trace() != null) {
      readTrace(cfg.trace(), nodes, online, switches);
    } else if ("alternating".equals(cfg.generator())) {
      double pOn = cfg.meanOnlineSeconds() / (cfg.meanOnlineSeconds() + cfg.meanOfflineSeconds());
      for (int i = 0; i < nodes; i++) {
        online[i] = new SplittableRandom(dev.starling.node.runtime.Seeds.derive(seed, i)).nextDouble() < pOn;
      }
    }
    switches.sort(Comparator.comparingDouble(Switch::seconds).thenComparingInt(Switch::node));
    return new AvailabilityPlan(online, List.copyOf(switches), cfg, seed);
  }

  public boolean initiallyOnline(int node) {
    return initiallyOnline[node];
  }

  /** The trace's switches, sorted. Generated availability is drawn on the fly by {@link #nextToggle}. */
  public List<Switch> switches() {
    return switches;
  }

  /** Whether availability is generated (switches come from {@link #nextToggle}). */
  public boolean generated() {
    return cfg.trace() == null && "alternating".equals(cfg.generator());
  }

  public boolean gracefulOffline() {
    return cfg.gracefulOffline();
  }

  /**
   * For generated availability: seconds until node {@code node}'s {@code k}-th toggle after the
   * previous one, in its current state. Drawn from (seed, node, k), so independent of event order.
   */
  public double nextToggle(int node, long k, boolean currentlyOnline) {
    double mean = currentlyOnline ? cfg.meanOnlineSeconds() : cfg.meanOfflineSeconds();
    double u = new SplittableRandom(dev.starling.node.runtime.Seeds.derive(seed, node, k, 0x415641L)).nextDouble();
    return -mean * StrictMath.log(1 - u);
  }

  private static void readTrace(Path file, int nodes, boolean[] online, List<Switch> out) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new UserError("config key 'availability.trace': file not found: " + file);
    } catch (IOException e) {
      throw new UserError("config key 'availability.trace': cannot read " + file + " (" + e + ")");
    }
    if (lines.isEmpty() || !lines.get(0).strip().equals("node,online_from_s,online_until_s")) {
      throw new UserError("availability trace " + file + ": the first line must be 'node,online_from_s,online_until_s'");
    }
    TreeMap<Integer, List<double[]>> intervals = new TreeMap<>();
    for (int ln = 1; ln < lines.size(); ln++) {
      String line = lines.get(ln).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(",", -1);
      String where = "availability trace " + file + " line " + (ln + 1);
      if (f.length != 3) {
        throw new UserError(where + ": expected 3 fields node,online_from_s,online_until_s, got '" + line + "'");
      }
      int node;
      double from;
      double until;
      try {
        node = Integer.parseInt(f[0].strip());
        from = Double.parseDouble(f[1].strip());
        until = Double.parseDouble(f[2].strip());
      } catch (NumberFormatException e) {
        throw new UserError(where + ": '" + line + "' is not node,from,until numbers");
      }
      if (node < 0 || node >= nodes) {
        throw new UserError(where + ": node " + node + " is out of range (allowed 0.." + (nodes - 1) + ")");
      }
      if (!(from >= 0) || !(until > from) || Double.isInfinite(from)) {
        throw new UserError(String.format(Locale.ROOT, "%s: interval [%s, %s) is not allowed (need 0 <= from < until)", where,
            f[1].strip(), f[2].strip()));
      }
      intervals.computeIfAbsent(node, k -> new ArrayList<>()).add(new double[] {from, until});
    }
    for (var e : intervals.entrySet()) {
      int node = e.getKey();
      List<double[]> iv = e.getValue();
      iv.sort(Comparator.comparingDouble(a -> a[0]));
      online[node] = iv.get(0)[0] == 0;
      for (int i = 0; i < iv.size(); i++) {
        double[] a = iv.get(i);
        if (i > 0 && a[0] < iv.get(i - 1)[1]) {
          throw new UserError("availability trace " + file + ": node " + node + " has overlapping intervals starting at "
              + iv.get(i - 1)[0] + " and " + a[0]);
        }
        if (a[0] > 0) {
          out.add(new Switch(a[0], node, true));
        }
        if (!Double.isInfinite(a[1])) {
          out.add(new Switch(a[1], node, false));
        }
      }
    }
  }
}
