package dev.starling.aggregator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerOptimizersTest {

  @Test
  void sgdScalesTheUpdate() {
    float[] p = {1f, 2f};
    new ServerSgd(0.5).step(p, new float[] {2f, -4f});
    assertArrayEquals(new float[] {2f, 0f}, p);
  }

  @Test
  void fedAvgMAccumulatesMomentum() {
    FedAvgM opt = new FedAvgM(1.0, 0.9);
    float[] p = {0f};
    opt.step(p, new float[] {1f}); // v = 1, p = 1
    opt.step(p, new float[] {1f}); // v = 1.9, p = 2.9
    assertEquals(2.9f, p[0], 1e-6f);
    assertArrayEquals(new float[] {1.9f}, opt.state().get("velocity"), 1e-6f);
  }

  @Test
  void fedAdamFirstTwoStepsByHand() {
    double lr = 0.1, b1 = 0.9, b2 = 0.99, tau = 1e-3;
    FedAdam opt = new FedAdam(lr, b1, b2, tau);
    float[] p = {0f};
    opt.step(p, new float[] {2f});
    // m = 0.1*2 = 0.2 ; v = 0.99*1e-6 + 0.01*4 = 0.04000099 ; step = 0.1*0.2/(sqrt(v)+1e-3)
    double m1 = 0.2, v1 = 0.99 * 1e-6 + 0.04;
    double p1 = lr * m1 / (Math.sqrt(v1) + tau);
    assertEquals(p1, p[0], 1e-6);
    opt.step(p, new float[] {-1f});
    double m2 = 0.9 * m1 - 0.1, v2 = 0.99 * v1 + 0.01;
    assertEquals(p1 + lr * m2 / (Math.sqrt(v2) + tau), p[0], 1e-6);
  }

  @Test
  void fedYogiSecondMomentBySign() {
    FedYogi opt = new FedYogi(0.1, 0.9, 0.99, 1e-3);
    float[] p = {0f};
    opt.step(p, new float[] {2f});
    // v0 = 1e-6 < d^2 = 4 -> sign(v - d^2) = -1 -> v = 1e-6 + 0.01*4
    double v1 = 1e-6 + 0.04;
    assertEquals(0.1 * 0.2 / (Math.sqrt(v1) + 1e-3), p[0], 1e-6);
    float[] v = opt.state().get("v");
    assertEquals(v1, v[0], 1e-7);
    opt.step(p, new float[] {0.1f});
    // now v1 = 0.040001 > 0.01 -> v = v1 - 0.01*0.01
    assertEquals(v1 - 0.0001, opt.state().get("v")[0], 1e-7);
  }

  @Test
  void fedAdagradSumsSquares() {
    FedAdagrad opt = new FedAdagrad(0.1, 0.0, 1e-3);
    float[] p = {0f};
    opt.step(p, new float[] {3f});
    // beta1 = 0 -> m = d ; v = 1e-6 + 9
    assertEquals(0.1 * 3 / (Math.sqrt(9 + 1e-6) + 1e-3), p[0], 1e-6);
    opt.step(p, new float[] {4f});
    assertEquals(9 + 16 + 1e-6, opt.state().get("v")[0], 1e-4);
  }

  @Test
  void stateRoundTripsThroughRestore() {
    FedAdam a = new FedAdam(0.1, 0.9, 0.99, 1e-3);
    float[] pa = {1f, 2f};
    a.step(pa, new float[] {0.5f, -0.5f});
    Map<String, float[]> s = a.state();
    FedAdam b = new FedAdam(0.1, 0.9, 0.99, 1e-3);
    b.restore(s);
    float[] pb = pa.clone();
    a.step(pa, new float[] {0.25f, 1f});
    b.step(pb, new float[] {0.25f, 1f});
    assertArrayEquals(pa, pb);
  }

  @Test
  void invalidHyperparametersAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> new ServerSgd(0));
    assertThrows(IllegalArgumentException.class, () -> new FedAvgM(1, 1));
    assertThrows(IllegalArgumentException.class, () -> new FedAdam(0.1, 0.9, 1.0, 1e-3));
    assertThrows(IllegalArgumentException.class, () -> new FedYogi(0.1, 0.9, 0.99, 0));
    assertThrows(
        IllegalArgumentException.class, () -> new ServerSgd(1).step(new float[2], new float[3]));
  }
}
