package dev.starling.node.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {

  @TempDir Path dir;

  Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, text);
    return p;
  }

  @Test
  void readsFeaturesNamedLabelsAndUsersInFileOrder() throws IOException {
    Path tr = write("train.csv", "user,x1,species,x2\nu2,1.5,setosa,2\nu1,-3,virginica,4e-1\n\"u2\",0,setosa,7\n");
    Path te = write("test.csv", "user,x1,species,x2\nu9,1,virginica,1\n");
    CsvReader.Split s = CsvReader.read(tr, te, "species", "user");
    assertEquals(3, s.train().size());
    assertEquals(2, s.train().numClasses());
    assertArrayEquals(new int[] {2}, s.train().featureShape());
    float[] f = new float[2];
    s.train().features(1, f, 0);
    assertArrayEquals(new float[] {-3f, 0.4f}, f, 0f);
    assertArrayEquals(new int[] {0, 1, 0}, s.train().labels()); // setosa < virginica
    assertArrayEquals(new int[] {1, 0, 1}, s.train().groups()); // u1 < u2
    assertEquals(1, s.test().label(0), "the test split numbers labels as the training split does");
  }

  @Test
  void numericLabelsAreClassIds() throws IOException {
    Path tr = write("a.csv", "label,x\n0,1\n3,2\n");
    Path te = write("b.csv", "label,x\n2,1\n");
    CsvReader.Split s = CsvReader.read(tr, te, "label", null);
    assertEquals(4, s.train().numClasses());
    assertArrayEquals(new int[] {0, 3}, s.train().labels());
  }

  @Test
  void badInputNamesTheFileLineAndColumn() throws IOException {
    Path good = write("good.csv", "label,x,y\n0,1,2\n1,2,3\n");
    String m = assertThrows(DataFormatException.class, () -> CsvReader.read(
        write("bad.csv", "label,x,y\n0,1,2\n1,oops,3\n"), good, "label", null)).getMessage();
    assertTrue(m.contains("bad.csv:3") && m.contains("'x'") && m.contains("oops"), m);
    m = assertThrows(DataFormatException.class, () -> CsvReader.read(write("nan.csv", "label,x,y\n0,NaN,2\n1,1,1\n"),
        good, "label", null)).getMessage();
    assertTrue(m.contains("finite"), m);
    m = assertThrows(DataFormatException.class, () -> CsvReader.read(good, good, "class", null)).getMessage();
    assertTrue(m.contains("'class'") && m.contains("[label, x, y]"), m);
    m = assertThrows(DataFormatException.class, () -> CsvReader.read(good, write("other.csv", "label,x,z\n0,1,2\n"),
        "label", null)).getMessage();
    assertTrue(m.contains("other.csv") && m.contains("[x, z]"), m);
    m = assertThrows(DataFormatException.class, () -> CsvReader.read(write("one.csv", "label,x\n0,1\n0,2\n"),
        write("one2.csv", "label,x\n0,1\n"), "label", null)).getMessage();
    assertTrue(m.contains("at least 2"), m);
    m = assertThrows(DataFormatException.class, () -> CsvReader.read(dir.resolve("none.csv"), good, "label", null))
        .getMessage();
    assertTrue(m.contains("not found"), m);
  }
}
