package dev.starling.simulator.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatrixLinkModelTest {

  @TempDir Path dir;

  @Test
  void shippedMatrixGivesHalfTheRoundTripBetweenSites() {
    double[][] rtt = MatrixLinkModel.readCsv(Paths.get("..", "configs", "network", "four-regions-rtt.csv"));
    assertEquals(4, rtt.length);
    assertEquals(75, rtt[0][1], 0);
    LinkModel base = new SimpleLinkModel(SimpleLinkModel.Latency.CONSTANT, 9, 0, 1, 2, 3, Set.of(0), 0.25);
    MatrixLinkModel m = new MatrixLinkModel(rtt, new int[] {0, 1, 2, 3, 0}, base);
    SplittableRandom r = new SplittableRandom(1);
    assertEquals(0.0375, m.latencySeconds(0, 1, r), 1e-12);
    assertEquals(0.15, m.latencySeconds(2, 3, r), 1e-12);
    assertEquals(0.001, m.latencySeconds(4, 0, r), 1e-12); // same site
    assertEquals(3, m.uplinkBytesPerSecond(0), 0); // server bandwidth from the base model
    assertEquals(0.25, m.lossProbability(), 0);
  }

  @Test
  void malformedMatricesAreRejectedWithTheFile() throws IOException {
    Path ragged = dir.resolve("ragged.csv");
    Files.writeString(ragged, "1,2\n3\n");
    UserError e = assertThrows(UserError.class, () -> MatrixLinkModel.readCsv(ragged));
    assertTrue(e.getMessage().contains("square"), e.getMessage());
    Path negative = dir.resolve("neg.csv");
    Files.writeString(negative, "1,-2\n3,4\n");
    assertTrue(assertThrows(UserError.class, () -> MatrixLinkModel.readCsv(negative)).getMessage().contains("-2"));
    assertThrows(UserError.class, () -> MatrixLinkModel.readCsv(dir.resolve("missing.csv")));
  }
}
