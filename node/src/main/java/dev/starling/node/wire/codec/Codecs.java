package dev.starling.node.wire.codec;

import java.util.List;

/** Codec names as configs use them. */
public final class Codecs {
  private Codecs() {}

  /** Names accepted by {@link #of}. */
  public static final List<String> NAMES = List.of("fp32", "bf16", "int8", "e3m0", "lattice");

  public static Codec of(String name, int block, boolean stochastic) {
    return of(name, block, stochastic, 16, 1.0);
  }

  /** @param bits and {@code clip}: the lattice codec's fixed-point bits and range */
  public static Codec of(String name, int block, boolean stochastic, int bits, double clip) {
    return switch (name) {
      case "lattice" -> new LatticeCodec(bits, clip, stochastic);
      case "fp32" -> new Fp32Codec();
      case "bf16" -> new Bf16Codec(stochastic);
      case "int8" -> new Int8Codec(block, stochastic);
      case "e3m0" -> new E3m0Codec(block, stochastic);
      default -> throw new IllegalArgumentException("unknown codec '" + name + "' (allowed: " + String.join(", ", NAMES) + ")");
    };
  }
}
