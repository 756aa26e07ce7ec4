package dev.starling.node.secagg;

import dev.starling.node.wire.InvalidMessageException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;

/**
 * Shamir t-of-n secret sharing of 32-byte secrets over the prime field GF(2^521 - 1): the secret
 * is the constant term of a random polynomial of degree t - 1, share x is its value at x, and any
 * t shares give it back by Lagrange interpolation at 0; fewer reveal nothing about it.
 */
public final class Shamir {
  private Shamir() {}

  /** The field's prime, a Mersenne prime above every 32-byte secret. */
  static final BigInteger P = BigInteger.ONE.shiftLeft(521).subtract(BigInteger.ONE);

  /** Bytes of an encoded share value. */
  public static final int SHARE_BYTES = 66;

  /** One share: the point x (1-based) and the polynomial's value there. */
  public record Share(int x, BigInteger y) {
    public Share {
      if (x < 1) {
        throw new IllegalArgumentException("share point must be >= 1, got " + x);
      }
    }

    /** The value as {@link #SHARE_BYTES} big-endian bytes. */
    public byte[] yBytes() {
      byte[] raw = y.toByteArray();
      byte[] out = new byte[SHARE_BYTES];
      int skip = raw.length > SHARE_BYTES ? raw.length - SHARE_BYTES : 0; // a leading sign byte
      System.arraycopy(raw, skip, out, SHARE_BYTES - (raw.length - skip), raw.length - skip);
      return out;
    }

    /** A share read from the wire, its value checked to lie in the field. */
    public static Share of(int x, byte[] y) {
      if (y.length != SHARE_BYTES) {
        throw new InvalidMessageException("share value of " + y.length + " bytes (expected " + SHARE_BYTES + ")");
      }
      if (x < 1) {
        throw new InvalidMessageException("share point " + Integer.toUnsignedString(x) + " (must be >= 1)");
      }
      BigInteger v = new BigInteger(1, y);
      if (v.compareTo(P) >= 0) {
        throw new InvalidMessageException("share value outside the field");
      }
      return new Share(x, v);
    }
  }

  /** Shares of {@code secret} at points 1..n, any {@code t} of which recover it. */
  public static Share[] split(byte[] secret, int n, int t, SecureRandom rnd) {
    int[] points = new int[n];
    for (int i = 0; i < n; i++) {
      points[i] = i + 1;
    }
    return split(secret, points, t, rnd);
  }

  /** Shares of {@code secret} at the given distinct points (>= 1), any {@code t} of which recover it. */
  public static Share[] split(byte[] secret, int[] points, int t, SecureRandom rnd) {
    int n = points.length;
    if (secret.length != 32 || t < 1 || t > n) {
      throw new IllegalArgumentException("need a 32-byte secret and 1 <= t <= n, got " + secret.length + " bytes, t " + t
          + ", n " + n);
    }
    BigInteger[] coef = new BigInteger[t];
    coef[0] = new BigInteger(1, secret);
    for (int i = 1; i < t; i++) {
      BigInteger c;
      do {
        c = new BigInteger(521, rnd);
      } while (c.compareTo(P) >= 0);
      coef[i] = c;
    }
    Share[] out = new Share[n];
    for (int k = 0; k < n; k++) {
      int x = points[k];
      BigInteger bx = BigInteger.valueOf(x);
      BigInteger y = BigInteger.ZERO;
      for (int i = t - 1; i >= 0; i--) { // Horner
        y = y.multiply(bx).add(coef[i]).mod(P);
      }
      out[k] = new Share(x, y);
    }
    return out;
  }

  /**
   * The secret behind {@code t} or more shares with distinct points (the first t are used).
   *
   * @throws InvalidMessageException when the points repeat or the value is no 32-byte secret
   */
  public static byte[] combine(List<Share> shares, int t) {
    if (shares.size() < t) {
      throw new IllegalArgumentException(shares.size() + " shares, need " + t);
    }
    List<Share> use = shares.subList(0, t);
    BigInteger secret = BigInteger.ZERO;
    for (int i = 0; i < t; i++) {
      BigInteger xi = BigInteger.valueOf(use.get(i).x());
      BigInteger num = BigInteger.ONE;
      BigInteger den = BigInteger.ONE;
      for (int j = 0; j < t; j++) {
        if (j == i) {
          continue;
        }
        BigInteger xj = BigInteger.valueOf(use.get(j).x());
        if (xj.equals(xi)) {
          throw new InvalidMessageException("two shares at point " + xi);
        }
        num = num.multiply(xj.negate()).mod(P);
        den = den.multiply(xi.subtract(xj)).mod(P);
      }
      secret = secret.add(use.get(i).y().multiply(num).multiply(den.modInverse(P))).mod(P);
    }
    if (secret.bitLength() > 256) {
      throw new InvalidMessageException("the shares do not combine to a 32-byte secret (inconsistent shares)");
    }
    byte[] raw = secret.toByteArray();
    byte[] out = new byte[32];
    int skip = raw.length > 32 ? raw.length - 32 : 0;
    System.arraycopy(raw, skip, out, 32 - (raw.length - skip), raw.length - skip);
    return out;
  }
}
