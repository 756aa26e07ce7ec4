package dev.starling.node.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Reads LEAF's JSON format ({@code users}, {@code num_samples}, {@code user_data: {user: {x, y}}})
 * as produced for FEMNIST, Synthetic, Sent140 and Shakespeare, streaming so that large files are
 * not held as a tree.
 *
 * <p>Numeric {@code x} rows become dense features (784-long rows are read as 1x28x28 images);
 * Shakespeare's string {@code x} becomes one character index per position over LEAF's
 * 80-character alphabet and its one-character {@code y} that character's index. Each user is a
 * natural group, numbered in order of first appearance across the files.
 */
public final class LeafJsonReader {

  /** LEAF's Shakespeare alphabet (leaf/models/utils/language_utils.py), index = class. */
  public static final String SHAKESPEARE_LETTERS =
      "\n !\"&'(),-.0123456789:;>?ABCDEFGHIJKLMNOPQRSTUVWXYZ[]abcdefghijklmnopqrstuvwxyz}";

  private LeafJsonReader() {}

  /**
   * Reads every {@code *.json} file of {@code path} (a file or a directory, files in name order).
   *
   * @param numClasses the class count, or 0 to use the largest label + 1
   */
  public static DenseDataset read(String name, Path path, int numClasses) {
    List<Path> files = jsonFiles(path);
    Accumulator acc = new Accumulator();
    for (Path f : files) {
      readFile(f, acc);
    }
    if (acc.labels.isEmpty()) {
      throw new DataFormatException(path + ": no samples in LEAF JSON");
    }
    int classes = numClasses > 0 ? numClasses : acc.maxLabel + 1;
    int n = acc.labels.size();
    int dim = acc.dim;
    float[] xs = new float[n * dim];
    for (int i = 0; i < n; i++) {
      System.arraycopy(acc.rows.get(i), 0, xs, i * dim, dim);
    }
    int[] ys = acc.labels.stream().mapToInt(Integer::intValue).toArray();
    int[] gs = acc.groups.stream().mapToInt(Integer::intValue).toArray();
    int[] shape = dim == 784 && !acc.text ? new int[] {1, 28, 28} : new int[] {dim};
    return new DenseDataset(name, xs, ys, shape, classes, gs);
  }

  private static List<Path> jsonFiles(Path path) {
    if (Files.isRegularFile(path)) {
      return List.of(path);
    }
    if (!Files.isDirectory(path)) {
      throw new DataFormatException("LEAF data not found: " + path);
    }
    try (Stream<Path> s = Files.list(path)) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
      if (files.isEmpty()) {
        throw new DataFormatException(path + ": no .json files");
      }
      return files;
    } catch (IOException e) {
      throw new DataFormatException("cannot list " + path + ": " + e.getMessage(), e);
    }
  }

  private static final class Accumulator {
    final Map<String, Integer> userIds = new LinkedHashMap<>();
    final List<float[]> rows = new ArrayList<>();
    final List<Integer> labels = new ArrayList<>();
    final List<Integer> groups = new ArrayList<>();
    int dim = -1;
    int maxLabel = -1;
    boolean text;
  }

  private static void readFile(Path file, Accumulator acc) {
    try (JsonParser p = new JsonFactory().createParser(file.toFile())) {
      expect(p, p.nextToken(), JsonToken.START_OBJECT, file);
      boolean sawUserData = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("user_data".equals(field)) {
          sawUserData = true;
          readUserData(p, file, acc);
        } else {
          p.skipChildren();
        }
      }
      if (!sawUserData) {
        throw new DataFormatException(file + ": missing \"user_data\" (not a LEAF JSON file)");
      }
    } catch (IOException e) {
      throw new DataFormatException(file + ": malformed LEAF JSON: " + e.getMessage(), e);
    }
  }

  private static void readUserData(JsonParser p, Path file, Accumulator acc) throws IOException {
    expect(p, p.currentToken(), JsonToken.START_OBJECT, file);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String user = p.currentName();
      int group = acc.userIds.computeIfAbsent(user, u -> acc.userIds.size());
      expect(p, p.nextToken(), JsonToken.START_OBJECT, file);
      List<float[]> xs = null;
      List<Integer> ys = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("x".equals(field)) {
          xs = readX(p, file, acc);
        } else if ("y".equals(field)) {
          ys = readY(p, file, acc);
        } else {
          p.skipChildren();
        }
      }
      if (xs == null || ys == null || xs.size() != ys.size()) {
        throw new DataFormatException(
            file + ": user " + user + " needs x and y of equal length, got "
                + (xs == null ? "no x" : xs.size()) + " and " + (ys == null ? "no y" : ys.size()));
      }
      for (int i = 0; i < xs.size(); i++) {
        acc.rows.add(xs.get(i));
        acc.labels.add(ys.get(i));
        acc.groups.add(group);
        acc.maxLabel = Math.max(acc.maxLabel, ys.get(i));
      }
    }
  }

  private static List<float[]> readX(JsonParser p, Path file, Accumulator acc) throws IOException {
    expect(p, p.currentToken(), JsonToken.START_ARRAY, file);
    List<float[]> rows = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      float[] row;
      if (t == JsonToken.VALUE_STRING) {
        acc.text = true;
        row = encodeText(p.getText(), file);
      } else if (t == JsonToken.START_ARRAY) {
        List<Float> vals = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          if (!p.currentToken().isNumeric()) {
            throw new DataFormatException(
                file + ": non-numeric feature " + p.getText() + " (image-path data such as CelebA needs its images, which LEAF JSON does not hold)");
          }
          vals.add(p.getFloatValue());
        }
        row = new float[vals.size()];
        for (int i = 0; i < row.length; i++) {
          row[i] = vals.get(i);
        }
      } else {
        throw new DataFormatException(file + ": unexpected " + t + " in x");
      }
      if (acc.dim < 0) {
        acc.dim = row.length;
      } else if (acc.dim != row.length) {
        throw new DataFormatException(file + ": feature length " + row.length + " differs from " + acc.dim);
      }
      rows.add(row);
    }
    return rows;
  }

  private static List<Integer> readY(JsonParser p, Path file, Accumulator acc) throws IOException {
    expect(p, p.currentToken(), JsonToken.START_ARRAY, file);
    List<Integer> ys = new ArrayList<>();
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t == JsonToken.VALUE_NUMBER_INT) {
        int y = p.getIntValue();
        if (y < 0) {
          throw new DataFormatException(file + ": negative label " + y);
        }
        ys.add(y);
      } else if (t == JsonToken.VALUE_STRING && p.getText().length() == 1) {
        ys.add(letterIndex(p.getText().charAt(0), file));
      } else {
        throw new DataFormatException(file + ": label " + p.getText() + " is neither an integer nor one character");
      }
    }
    return ys;
  }

  private static float[] encodeText(String s, Path file) {
    float[] row = new float[s.length()];
    for (int i = 0; i < row.length; i++) {
      row[i] = letterIndex(s.charAt(i), file);
    }
    return row;
  }

  private static int letterIndex(char c, Path file) {
    int k = SHAKESPEARE_LETTERS.indexOf(c);
    if (k < 0) {
      throw new DataFormatException(file + ": character '" + c + "' is not in LEAF's alphabet");
    }
    return k;
  }

  private static void expect(JsonParser p, JsonToken got, JsonToken want, Path file) {
    if (got != want) {
      throw new DataFormatException(
          file + ": expected " + want + " but found " + got + " at " + p.currentLocation());
    }
  }
}
