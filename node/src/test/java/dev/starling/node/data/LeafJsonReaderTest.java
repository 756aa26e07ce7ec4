package dev.starling.node.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeafJsonReaderTest {

  @TempDir Path dir;

  @Test
  void readsNumericUsersAcrossFilesWithGroups() throws IOException {
    Files.writeString(dir.resolve("a.json"), """
        {"users": ["u1", "u2"], "num_samples": [2, 1],
         "user_data": {"u1": {"x": [[1.0, 2.0, 3.0], [4, 5, 6]], "y": [0, 2]},
                       "u2": {"x": [[7, 8, 9]], "y": [1]}}}""");
    Files.writeString(dir.resolve("b.json"), """
        {"users": ["u3"], "user_data": {"u3": {"y": [3], "x": [[0.5, 0.25, 0.125]]}}, "hierarchies": []}""");
    DenseDataset ds = LeafJsonReader.read("leaf", dir, 0);
    assertEquals(4, ds.size());
    assertEquals(4, ds.numClasses());
    assertArrayEquals(new int[] {0, 2, 1, 3}, ds.labels());
    assertArrayEquals(new int[] {0, 0, 1, 2}, ds.groups());
    float[] f = new float[3];
    ds.features(3, f, 0);
    assertArrayEquals(new float[] {0.5f, 0.25f, 0.125f}, f);
  }

  @Test
  void readsShakespeareStyleText() throws IOException {
    Files.writeString(dir.resolve("s.json"), """
        {"users": ["ROMEO"], "user_data": {"ROMEO": {"x": ["ab c"], "y": ["d"]}}}""");
    DenseDataset ds = LeafJsonReader.read("shk", dir.resolve("s.json"), 80);
    float[] f = new float[4];
    ds.features(0, f, 0);
    String letters = LeafJsonReader.SHAKESPEARE_LETTERS;
    assertArrayEquals(new float[] {letters.indexOf('a'), letters.indexOf('b'), letters.indexOf(' '), letters.indexOf('c')}, f);
    assertEquals(letters.indexOf('d'), ds.label(0));
  }

  @Test
  void malformedInputIsRejected() throws IOException {
    Files.writeString(dir.resolve("bad.json"), "{\"users\": [\"u\"], \"user_data\": {\"u\": {\"x\": [[1, 2]], \"y\": [0, 1]}}}");
    assertThrows(DataFormatException.class, () -> LeafJsonReader.read("b", dir.resolve("bad.json"), 0));
    Files.writeString(dir.resolve("ragged.json"), "{\"user_data\": {\"u\": {\"x\": [[1, 2], [3]], \"y\": [0, 1]}}}");
    assertThrows(DataFormatException.class, () -> LeafJsonReader.read("b", dir.resolve("ragged.json"), 0));
    Files.writeString(dir.resolve("nodata.json"), "{\"users\": []}");
    assertThrows(DataFormatException.class, () -> LeafJsonReader.read("b", dir.resolve("nodata.json"), 0));
    Files.writeString(dir.resolve("broken.json"), "{\"user_data\": {");
    assertThrows(DataFormatException.class, () -> LeafJsonReader.read("b", dir.resolve("broken.json"), 0));
  }
}
