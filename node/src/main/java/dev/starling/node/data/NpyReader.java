package dev.starling.node.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * NumPy arrays: {@code .npy} files (format versions 1 to 3) and {@code .npz} archives of them
 * (as written by {@code numpy.save} and {@code numpy.savez[_compressed]}). Little-endian or
 * single-byte dtypes ({@code f4 f8 u1 i1 i2 i4 i8 u2 u4}), C order. The header is validated
 * before any data is allocated: the declared shape must match the bytes present. Pure Java on
 * purpose: ND4J's reader would bring native code onto the data path, where results must not
 * depend on the machine.
 */
public final class NpyReader {

  private NpyReader() {}

  /** One array: its dtype ({@code <f4}, {@code |u1}, ...), shape and raw little-endian bytes. */
  public record Array(String name, String dtype, int[] shape, ByteBuffer data) {

    /** Number of elements. */
    public long count() {
      long n = 1;
      for (int d : shape) {
        n *= d;
      }
      return n;
    }

    public boolean isBytes() {
      return dtype.equals("|u1") || dtype.equals("<u1");
    }

    /** Every element as a float (NaN and infinities are refused: they would poison training). */
    public float[] floats() {
      int n = (int) count();
      float[] out = new float[n];
      ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      int kind = KINDS.indexOf(dtype.substring(1)); // decided once, not per element
      for (int i = 0; i < n; i++) {
        double v = switch (kind) {
          case 0 -> b.getFloat();
          case 1 -> b.getDouble();
          case 2 -> b.get() & 0xff;
          case 3 -> b.get();
          case 4 -> b.getShort();
          case 5 -> b.getShort() & 0xffff;
          case 6 -> b.getInt();
          case 7 -> b.getInt() & 0xffffffffL;
          case 8 -> b.getLong();
          default -> throw new IllegalStateException(dtype);
        };
        float f = (float) v;
        if (!Float.isFinite(f)) {
          throw new DataFormatException(name + ": element " + i + " is " + v + " (allowed: finite numbers)");
        }
        out[i] = f;
      }
      return out;
    }

    /** Every element as a non-negative class id (integer dtypes only). */
    public int[] labels() {
      if (dtype.contains("f")) {
        throw new DataFormatException(name + ": labels must have an integer dtype, not " + dtype);
      }
      float[] f = floats();
      int[] out = new int[f.length];
      for (int i = 0; i < f.length; i++) {
        if (f[i] < 0 || f[i] > 1_000_000) {
          throw new DataFormatException(name + ": label " + (long) f[i] + " of sample " + i + " (allowed 0..1000000)");
        }
        out[i] = (int) f[i];
      }
      return out;
    }

    public byte[] bytes() {
      byte[] out = new byte[(int) count()];
      data.duplicate().get(out);
      return out;
    }
  }

  /** The dtypes read, in the order {@link Array#floats} switches on. */
  private static final java.util.List<String> KINDS = java.util.List.of("f4", "f8", "u1", "i1", "i2", "u2", "i4", "u4", "i8");

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
  private static final Map<String, Integer> SIZES = Map.of("f4", 4, "f8", 8, "u1", 1, "i1", 1, "i2", 2, "u2", 2, "i4", 4,
      "u4", 4, "i8", 8);

  /** Reads one {@code .npy} file. */
  public static Array read(Path file) {
    try {
      return parse(file.toString(), Files.readAllBytes(file));
    } catch (IOException e) {
      throw new DataFormatException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** Every array of an {@code .npz} archive, by name without the {@code .npy} suffix. */
  public static Map<String, Array> readNpz(Path file) {
    Map<String, Array> out = new TreeMap<>();
    try (ZipInputStream z = new ZipInputStream(Files.newInputStream(file))) {
      ZipEntry e;
      while ((e = z.getNextEntry()) != null) {
        if (!e.getName().endsWith(".npy")) {
          continue;
        }
        String name = e.getName().substring(0, e.getName().length() - 4);
        out.put(name, parse(file + "!" + e.getName(), readAll(z)));
      }
    } catch (IOException e) {
      throw new DataFormatException(file + ": not a readable .npz archive (" + e.getMessage() + ")", e);
    }
    if (out.isEmpty()) {
      throw new DataFormatException(file + ": holds no .npy arrays");
    }
    return out;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    in.transferTo(b);
    return b.toByteArray();
  }

  static Array parse(String name, byte[] bytes) {
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
      throw new DataFormatException(name + ": not an .npy array (no \\x93NUMPY magic)");
    }
    int major = bytes[6];
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long headerLen;
    int start;
    if (major == 1) {
      headerLen = b.getShort(8) & 0xffff;
      start = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw new DataFormatException(name + ": truncated .npy header");
      }
      headerLen = b.getInt(8) & 0xffffffffL;
      start = 12;
    } else {
      throw new DataFormatException(name + ": .npy format version " + major + " (allowed 1, 2, 3)");
    }
    if (start + headerLen > bytes.length) {
      throw new DataFormatException(name + ": truncated .npy header");
    }
    String header = new String(bytes, start, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    String descr = group(DESCR, header, name, "descr");
    if (descr.length() < 3 || !(descr.charAt(0) == '<' || descr.charAt(0) == '|') || !SIZES.containsKey(descr.substring(1))) {
      throw new DataFormatException(name + ": dtype '" + descr + "' (allowed little-endian " + String.join(", ",
          new java.util.TreeSet<>(SIZES.keySet())) + ")");
    }
    if (group(FORTRAN, header, name, "fortran_order").equals("True")) {
      throw new DataFormatException(name + ": Fortran-ordered arrays are not supported (save with np.ascontiguousarray)");
    }
    String dims = group(SHAPE, header, name, "shape").strip();
    int[] shape = dims.isEmpty() ? new int[0] : Arrays.stream(dims.split(",")).map(String::strip).filter(s -> !s.isEmpty())
        .mapToInt(s -> {
          try {
            return Integer.parseInt(s);
          } catch (NumberFormatException e) {
            throw new DataFormatException(name + ": shape dimension '" + s + "' (allowed 0.." + Integer.MAX_VALUE + ")");
          }
        }).toArray();
    long count = 1;
    for (int d : shape) {
      if (d < 0) {
        throw new DataFormatException(name + ": negative shape dimension " + d);
      }
      count = Math.multiplyExact(count, d);
    }
    long need = count * SIZES.get(descr.substring(1));
    long have = bytes.length - start - headerLen;
    if (need != have || count > Integer.MAX_VALUE - 8) {
      throw new DataFormatException(name + ": shape " + Arrays.toString(shape) + " of " + descr + " needs " + need
          + " data bytes, the file has " + have);
    }
    ByteBuffer data = ByteBuffer.wrap(bytes, (int) (start + headerLen), (int) need).slice().order(ByteOrder.LITTLE_ENDIAN);
    return new Array(name, descr, shape, data);
  }

  private static String group(Pattern p, String header, String name, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new DataFormatException(name + ": .npy header has no '" + key + "' (" + header.strip() + ")");
    }
    return m.group(1);
  }
}
