package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.node.runtime.Seeds;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which nodes an injected failure hits: the listed ones, or round(fraction x candidates) drawn
 * without replacement with the run seed and the failure's index, ascending. The FL and the
 * decentralized simulations draw them the same way.
 */
final class FailureTargets {
  private FailureTargets() {}

  static List<Integer> of(SimConfig.Failure f, List<Integer> candidates, long seed, int index) {
    if (f.nodes() != null) {
      List<Integer> listed = new ArrayList<>();
      for (int id : f.nodes()) {
        listed.add(id);
      }
      return listed;
    }
    List<Integer> pool = new ArrayList<>(candidates);
    int count = (int) Math.round(f.fraction() * pool.size());
    SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, 0xFA11L, index));
    for (int k = 0; k < count; k++) {
      Collections.swap(pool, k, k + rng.nextInt(pool.size() - k));
    }
    List<Integer> chosen = new ArrayList<>(pool.subList(0, count));
    chosen.sort(null);
    return chosen;
  }
}
