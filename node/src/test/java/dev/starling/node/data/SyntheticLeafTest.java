package dev.starling.node.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticLeafTest {

  private static SyntheticLeaf.Params params(long seed) {
    return new SyntheticLeaf.Params(1, 1, 30, 60, 10, 100, 0.5, 4, 0.2, seed);
  }

  @Test
  void reproducibleAndSplitPerDevice() {
    SyntheticLeaf.Split a = SyntheticLeaf.generate(params(5));
    SyntheticLeaf.Split b = SyntheticLeaf.generate(params(5));
    assertArrayEquals(a.train().labels(), b.train().labels());
    float[] fa = new float[60];
    float[] fb = new float[60];
    a.train().features(10, fa, 0);
    b.train().features(10, fb, 0);
    assertArrayEquals(fa, fb);
    Set<Integer> trainDevices = new HashSet<>();
    for (int g : a.train().groups()) {
      trainDevices.add(g);
    }
    Set<Integer> testDevices = new HashSet<>();
    for (int g : a.test().groups()) {
      testDevices.add(g);
    }
    assertEquals(30, trainDevices.size());
    assertEquals(30, testDevices.size());
    double testShare = (double) a.test().size() / (a.test().size() + a.train().size());
    assertEquals(0.2, testShare, 0.05);
  }

  @Test
  void labelsUseSeveralClassesAndDifferBySeed() {
    SyntheticLeaf.Split a = SyntheticLeaf.generate(params(5));
    Set<Integer> classes = new HashSet<>();
    for (int y : a.train().labels()) {
      classes.add(y);
    }
    assertTrue(classes.size() >= 5, "classes seen: " + classes);
    SyntheticLeaf.Split c = SyntheticLeaf.generate(params(6));
    assertTrue(a.train().size() != c.train().size() || !java.util.Arrays.equals(a.train().labels(), c.train().labels()));
  }
}
