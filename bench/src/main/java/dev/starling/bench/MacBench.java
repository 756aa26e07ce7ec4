package dev.starling.bench;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * What authenticating a 100 MB transfer costs on this machine: HMAC-SHA256 (what the cluster's
 * {@code Identity} uses) against AES-GCM's GMAC over the same bytes as additional data, both fed
 * in 4 MiB pieces as frames arrive. Prints the median of 7 runs after 3 warm-up runs.
 * {@code bench/run mac}.
 */
public final class MacBench {

  public static void main(String[] args) throws Exception {
    byte[] data = new byte[100_000_000];
    new SecureRandom().nextBytes(data);
    byte[] key = new byte[32];
    double[] hmac = new double[10];
    double[] gmac = new double[10];
    for (int rep = 0; rep < 10; rep++) {
      long t0 = System.nanoTime();
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      for (int off = 0; off < data.length; off += 4 << 20) {
        m.update(ByteBuffer.wrap(data, off, Math.min(4 << 20, data.length - off)));
      }
      m.doFinal();
      long t1 = System.nanoTime();
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      byte[] iv = new byte[12];
      new SecureRandom().nextBytes(iv);
      c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
      for (int off = 0; off < data.length; off += 4 << 20) {
        c.updateAAD(ByteBuffer.wrap(data, off, Math.min(4 << 20, data.length - off)));
      }
      c.doFinal();
      long t2 = System.nanoTime();
      hmac[rep] = (t1 - t0) / 1e6;
      gmac[rep] = (t2 - t1) / 1e6;
    }
    System.out.printf(java.util.Locale.ROOT, "100 MB: HMAC-SHA256 %.1f ms (%.0f MB/s), GMAC (AES-GCM, data as AAD) %.1f ms%n",
        median(hmac), 100_000 / median(hmac), median(gmac));
  }

  private static double median(double[] all) {
    double[] v = java.util.Arrays.copyOfRange(all, 3, all.length);
    java.util.Arrays.sort(v);
    return v[v.length / 2];
  }
}
