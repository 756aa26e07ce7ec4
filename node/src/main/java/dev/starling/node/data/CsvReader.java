package dev.starling.node.data;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A labelled table in CSV (RFC 4180, Commons CSV) with a header row: one column holds the label,
 * an optional one the user each sample belongs to (for a natural partition), every other column
 * is a numeric feature. Labels may be class ids 0..K-1 or any strings; strings are numbered in
 * sorted order over the training and test files together, so both splits agree.
 */
public final class CsvReader {

  private CsvReader() {}

  /** Train and test sets read with the same columns and label numbering. */
  public record Split(DenseDataset train, DenseDataset test) {}

  private record Table(List<String> features, List<String> labels, List<String> groups, float[] values, Path file) {}

  /**
   * @param labelColumn the header of the label column
   * @param groupColumn the header of the user column, or null
   */
  public static Split read(Path train, Path test, String labelColumn, String groupColumn) {
    Table tr = table(train, labelColumn, groupColumn, null);
    Table te = table(test, labelColumn, groupColumn, tr.features());
    TreeSet<String> distinct = new TreeSet<>(tr.labels());
    distinct.addAll(te.labels());
    boolean numeric = distinct.stream().allMatch(s -> s.matches("\\d{1,9}"));
    TreeMap<String, Integer> ids = new TreeMap<>();
    int classes;
    if (numeric) {
      int max = distinct.stream().mapToInt(Integer::parseInt).max().orElse(0);
      classes = max + 1;
    } else {
      for (String s : distinct) {
        ids.put(s, ids.size());
      }
      classes = ids.size();
    }
    if (classes < 2) {
      throw new DataFormatException(train + ": column '" + labelColumn + "' holds " + classes
          + " class(es); a classifier needs at least 2");
    }
    return new Split(dataset(train.getFileName() + "", tr, ids, numeric, classes),
        dataset(test.getFileName() + "", te, ids, numeric, classes));
  }

  private static DenseDataset dataset(String name, Table t, TreeMap<String, Integer> ids, boolean numeric, int classes) {
    int[] labels = new int[t.labels().size()];
    for (int i = 0; i < labels.length; i++) {
      String s = t.labels().get(i);
      labels[i] = numeric ? Integer.parseInt(s) : ids.get(s);
    }
    int[] groups = null;
    if (t.groups() != null) {
      TreeMap<String, Integer> users = new TreeMap<>();
      for (String g : new TreeSet<>(t.groups())) {
        users.put(g, users.size());
      }
      groups = new int[labels.length];
      for (int i = 0; i < labels.length; i++) {
        groups[i] = users.get(t.groups().get(i));
      }
    }
    return new DenseDataset("csv/" + name, t.values(), labels, new int[] {t.features().size()}, classes, groups);
  }

  private static Table table(Path file, String labelColumn, String groupColumn, List<String> expectFeatures) {
    if (!Files.isRegularFile(file)) {
      throw new DataFormatException("CSV file not found: " + file);
    }
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).setTrim(true).get().parse(in)) {
      List<String> header = p.getHeaderNames();
      if (!header.contains(labelColumn)) {
        throw new DataFormatException(file + ": no label column '" + labelColumn + "' (columns: " + header + ")");
      }
      if (groupColumn != null && !header.contains(groupColumn)) {
        throw new DataFormatException(file + ": no group column '" + groupColumn + "' (columns: " + header + ")");
      }
      List<String> features = new ArrayList<>(header);
      features.remove(labelColumn);
      if (groupColumn != null) {
        features.remove(groupColumn);
      }
      if (features.isEmpty()) {
        throw new DataFormatException(file + ": no feature columns besides '" + labelColumn + "'");
      }
      if (expectFeatures != null && !expectFeatures.equals(features)) {
        throw new DataFormatException(file + ": feature columns " + features + " differ from the training file's "
            + expectFeatures);
      }
      int[] at = features.stream().mapToInt(header::indexOf).toArray();
      List<String> labels = new ArrayList<>();
      List<String> groups = groupColumn == null ? null : new ArrayList<>();
      FloatList values = new FloatList();
      for (CSVRecord r : p) {
        if (r.size() != header.size()) {
          throw new DataFormatException(file + ":" + r.getParser().getCurrentLineNumber() + ": " + r.size()
              + " fields, the header has " + header.size());
        }
        String label = r.get(labelColumn);
        if (label.isEmpty()) {
          throw new DataFormatException(file + ":" + r.getParser().getCurrentLineNumber() + ": empty label");
        }
        labels.add(label);
        if (groups != null) {
          groups.add(r.get(groupColumn));
        }
        for (int k = 0; k < at.length; k++) {
          String v = r.get(at[k]);
          float f;
          try {
            f = Float.parseFloat(v);
          } catch (NumberFormatException e) {
            f = Float.NaN;
          }
          if (!Float.isFinite(f)) {
            throw new DataFormatException(file + ":" + r.getParser().getCurrentLineNumber() + ": column '"
                + features.get(k) + "' holds '" + v + "' (allowed: a finite number)");
          }
          values.add(f);
        }
      }
      if (labels.isEmpty()) {
        throw new DataFormatException(file + ": no rows after the header");
      }
      return new Table(features, labels, groups, values.toArray(), file);
    } catch (IOException | IllegalArgumentException | IllegalStateException | java.io.UncheckedIOException e) {
      throw new DataFormatException(file + ": not a readable CSV table (" + e.getMessage() + ")", e);
    }
  }

  /** A growable float array (the table's values in row order). */
  private static final class FloatList {
    private float[] a = new float[1024];
    private int n;

    void add(float v) {
      if (n == a.length) {
        a = java.util.Arrays.copyOf(a, a.length * 2);
      }
      a[n++] = v;
    }

    float[] toArray() {
      return java.util.Arrays.copyOf(a, n);
    }
  }
}
