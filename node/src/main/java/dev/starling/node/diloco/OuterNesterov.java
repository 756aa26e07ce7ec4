package dev.starling.node.diloco;

/**
 * DiLoCo's outer optimizer on one fragment: Nesterov SGD on the outer gradient
 * (global - local, averaged): {@code b = mu b + g; G = G - lr (g + mu b)}. Applied to the saved
 * global parameters, never to the replica's local ones.
 */
public final class OuterNesterov {
  private OuterNesterov() {}

  public static void step(float[] global, float[] momentum, int[] idx, float[] grad, float lr, float mu) {
    for (int j = 0; j < idx.length; j++) {
      int i = idx[j];
      float b = mu * momentum[i] + grad[j];
      momentum[i] = b;
      global[i] -= lr * (grad[j] + mu * b);
    }
  }
}
