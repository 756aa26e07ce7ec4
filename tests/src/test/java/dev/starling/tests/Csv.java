package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/** A CSV output of Starling (metrics, participants, devices, failures, comparison) read by column name. */
final class Csv {

  private Csv() {}

  /** One row; a column the file does not have fails the test, naming the file's header. */
  record Row(CSVRecord record, List<String> header) {
    String get(String column) {
      assertTrue(header.contains(column), "no column '" + column + "' in " + header);
      return record.get(column);
    }

    double num(String column) {
      return Double.parseDouble(get(column));
    }

    long integer(String column) {
      return Long.parseLong(get(column));
    }

    boolean empty(String column) {
      return get(column).isEmpty();
    }

    /** A space-separated id list (participants.csv). */
    Set<Integer> ids(String column) {
      Set<Integer> out = new TreeSet<>();
      String s = get(column).strip();
      if (!s.isEmpty()) {
        for (String t : s.split(" ")) {
          out.add(Integer.parseInt(t));
        }
      }
      return out;
    }
  }

  /** Every data row of {@code file}, in order. */
  static List<Row> read(Path file) throws IOException {
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(in)) {
      List<String> header = p.getHeaderNames();
      List<Row> out = new ArrayList<>();
      for (CSVRecord r : p) {
        out.add(new Row(r, header));
      }
      return out;
    }
  }

  static Row last(Path file) throws IOException {
    List<Row> rows = read(file);
    return rows.get(rows.size() - 1);
  }
}
