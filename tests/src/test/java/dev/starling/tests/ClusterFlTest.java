package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FL on a real cluster: separate JVMs on 127.0.0.1 over Artery TLS with mutual authentication,
 * protobuf frames on the wire. The cluster's final model must equal the simulator's bit for bit.
 */
class ClusterFlTest {

  @TempDir Path dir;

  static JsonNode json(Path f) throws IOException {
    return new ObjectMapper().readTree(f.toFile());
  }

  static String simulatedSha(Path out, String... sets) throws IOException {
    List<String> args = new ArrayList<>(List.of("simulate", Cli.CONFIGS.resolve("cluster/fl.conf").toString(), "--out",
        out.toString(), "-q"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    return json(out.resolve("summary.json")).get("final_model_sha256").asText();
  }

  @Test
  void localFlClusterEndsWithTheSimulatorsModel() throws Exception {
    String port = "cluster.base-port=" + Members.freeBasePort(4);
    Path out = dir.resolve("cluster");
    Cli.Result r = Cli.run("node", "local", "fl", "--out", out.toString(), "--set", port);
    assertEquals(0, r.exitCode(), r.err());
    JsonNode server = json(out.resolve("server-0/summary.json"));
    assertEquals("completed", server.get("status").asText());
    assertEquals(5, server.get("rounds").asInt());
    assertEquals(0, server.get("messages_rejected").asInt());
    assertEquals(6, Files.readAllLines(out.resolve("server-0/metrics.csv")).size());
    for (int c = 1; c <= 3; c++) {
      JsonNode client = json(out.resolve("client-" + c + "/summary.json"));
      assertEquals("completed", client.get("status").asText(), "client " + c);
      assertEquals(5, client.get("rounds").asInt());
      assertTrue(client.get("bytes_received").asLong() > 0);
      assertTrue(Files.readString(out.resolve("client-" + c + "/node.log")).contains("tls-tcp, mutual authentication"));
    }
    assertTrue(Files.exists(out.resolve("keys/truststore.p12")));
    assertEquals(simulatedSha(dir.resolve("sim")), server.get("final_model_sha256").asText());
  }
}
