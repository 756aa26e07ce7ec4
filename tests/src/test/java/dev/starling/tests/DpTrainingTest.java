package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DP-FedAvg in the simulator: the ledger, the wire format and the budget. */
class DpTrainingTest {

  @TempDir Path dir;

  private Path run(String name, String... sets) {
    List<String> args = new ArrayList<>(List.of("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out",
        dir.resolve(name).toString(), "--quiet", "--set", "rounds=6"));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    Cli.Result r = Cli.run(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.err());
    return dir.resolve(name);
  }

  private static List<Csv.Row> rows(Path run) throws IOException {
    return Csv.read(run.resolve("metrics.csv"));
  }

  @Test
  void rqmSendsLevelIndicesAndTheLedgerGrows() throws IOException {
    Path plain = run("plain");
    Path rqm = run("rqm", "privacy.mechanism=rqm", "privacy.rqm-levels=16", "privacy.clip=0.1");
    List<Csv.Row> p = rows(plain);
    List<Csv.Row> q = rows(rqm);
    assertEquals("", p.get(5).get("epsilon"), "no epsilon without privacy");
    double prev = 0;
    for (Csv.Row row : q) {
      double eps = row.num("epsilon");
      assertTrue(eps > prev, "epsilon grows every round");
      prev = eps;
    }
    long upPlain = p.get(5).integer("bytes_up");
    long upRqm = q.get(5).integer("bytes_up");
    double ratio = (double) upRqm / upPlain;
    assertTrue(ratio > 0.11 && ratio < 0.15, "4-bit indices vs 32-bit floats, ratio " + ratio);
  }

  @Test
  void gaussianLedgerAgreesWithThePrivacyCommand() throws IOException {
    Path g = run("gauss", "privacy.mechanism=gaussian", "privacy.noise-multiplier=1.2", "server.sampler=poisson",
        "server.poisson-rate=0.1");
    List<Csv.Row> rows = rows(g);
    Cli.Result cli = Cli.run("privacy", "gaussian", "--noise-multiplier", "1.2", "--sampling-rate", "0.1", "--steps", "6",
        "--delta", "1e-5", "--json");
    JsonNode j = new ObjectMapper().readTree(cli.out());
    assertEquals(j.get("epsilon").asDouble(), rows.get(5).num("epsilon"), 1e-6);
  }

  /**
   * A fixed-size sample is accounted under its own neighbouring relation (replace-one, sampling
   * without replacement), not as Poisson sampling at the same rate (which it used to be): the
   * run's epsilon equals the privacy command's with --sampling fixed, and is above the Poisson
   * figure, which holds for another relation and another scheme.
   */
  @Test
  void aFixedSizeSampleIsAccountedUnderReplaceOne() throws IOException {
    double eps = rows(run("fixed", "privacy.mechanism=gaussian", "privacy.noise-multiplier=1.2", "server.sampler=fixed",
        "server.clients-per-round=10")).get(5).num("epsilon");
    JsonNode fixed = new ObjectMapper().readTree(Cli.run("privacy", "gaussian", "--noise-multiplier", "1.2", "--sampling",
        "fixed", "--sampling-rate", "0.1", "--steps", "6", "--delta", "1e-5", "--json").out());
    JsonNode poisson = new ObjectMapper().readTree(Cli.run("privacy", "gaussian", "--noise-multiplier", "1.2",
        "--sampling-rate", "0.1", "--steps", "6", "--delta", "1e-5", "--json").out());
    assertEquals(fixed.get("epsilon").asDouble(), eps, 1e-6);
    assertEquals("replace-one", fixed.get("neighbouring_relation").asText());
    assertEquals("fixed-size-without-replacement", fixed.get("sampling").asText());
    assertTrue(eps > poisson.get("epsilon").asDouble(), eps + " vs Poisson " + poisson.get("epsilon"));
  }

  /**
   * Over-selection invites more clients than a round keeps, and any invited client's update may be
   * the one used: epsilon is accounted at the invitation rate, strictly above the same run's
   * without it (it used to be the same), and equal to the privacy command's at that rate.
   */
  @Test
  void overSelectionIsAccountedAtTheInvitationRate() throws IOException {
    String[] dp = {"privacy.mechanism=gaussian", "privacy.noise-multiplier=1.2", "server.sampler=fixed",
        "server.clients-per-round=10"};
    double plain = rows(run("exact", dp)).get(5).num("epsilon");
    List<String> over = new ArrayList<>(List.of(dp));
    over.add("server.over-selection=0.5");
    double more = rows(run("over", over.toArray(String[]::new))).get(5).num("epsilon");
    assertTrue(more > plain, "over-selection must cost privacy: " + more + " vs " + plain);
    int clients = 100; // fl-synthetic.conf's clients.count: 10 + ceil(10 * 0.5) = 15 invited of 100
    Cli.Result cli = Cli.run("privacy", "gaussian", "--noise-multiplier", "1.2", "--sampling", "fixed", "--sampling-rate",
        Double.toString(15.0 / clients), "--steps", "6", "--delta", "1e-5", "--json");
    assertEquals(new ObjectMapper().readTree(cli.out()).get("epsilon").asDouble(), more, 1e-6, "15 of " + clients
        + " invited");
    Cli.Result refused = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out",
        dir.resolve("refused").toString(), "--quiet", "--set", "privacy.mechanism=gaussian", "--set",
        "server.sampler=poisson", "--set", "server.over-selection=0.5");
    assertEquals(2, refused.exitCode());
    assertTrue(refused.err().contains("config key 'server.over-selection'"), refused.err());
  }

  /**
   * The per-client ledger: each client's participations are the rounds its update was aggregated
   * in (participants.csv), and its epsilon is the unamplified round mechanism composed that many
   * times, as the privacy command computes it at sampling rate 1.
   */
  @Test
  void theClientLedgerFollowsEachClientsActualParticipation() throws IOException {
    Path g = run("ledger", "privacy.mechanism=gaussian", "privacy.noise-multiplier=1.2");
    java.util.Map<Integer, Integer> counted = new java.util.TreeMap<>();
    for (Csv.Row round : Csv.read(g.resolve("participants.csv"))) {
      for (String c : round.get("aggregated").split(" ")) {
        if (!c.isEmpty()) {
          counted.merge(Integer.parseInt(c), 1, Integer::sum);
        }
      }
    }
    List<Csv.Row> ledger = Csv.read(g.resolve("privacy-ledger.csv"));
    assertEquals(counted.size(), ledger.size());
    double max = 0;
    for (Csv.Row row : ledger) {
      int c = (int) row.integer("client");
      assertEquals(counted.get(c), (int) row.integer("participations"), "client " + c);
      max = Math.max(max, row.num("epsilon"));
    }
    int most = counted.values().stream().max(Integer::compare).orElseThrow();
    JsonNode cli = new ObjectMapper().readTree(Cli.run("privacy", "gaussian", "--noise-multiplier", "1.2",
        "--sampling", "fixed", "--sampling-rate", "1", "--steps", Integer.toString(most), "--delta", "1e-5", "--json").out());
    assertEquals(cli.get("epsilon").asDouble(), max, 1e-6);
    JsonNode s = new ObjectMapper().readTree(g.resolve("summary.json").toFile());
    assertEquals(max, s.get("epsilon_max_client").asDouble(), 1e-6);
    assertTrue(max > s.get("epsilon").asDouble(), "without amplification a client's epsilon is above the run's");
  }

  @Test
  void budgetStopsAtTheLastRoundWithinIt() throws IOException {
    Path full = run("full", "privacy.mechanism=gaussian", "privacy.noise-multiplier=0.8");
    double eps3 = rows(full).get(2).num("epsilon");
    double eps4 = rows(full).get(3).num("epsilon");
    double budget = (eps3 + eps4) / 2;
    Path capped = run("capped", "privacy.mechanism=gaussian", "privacy.noise-multiplier=0.8",
        "privacy.budget-epsilon=" + budget);
    assertEquals(3, rows(capped).size(), "rounds 1-3 fit the budget, round 4 would not");
    JsonNode s = new ObjectMapper().readTree(capped.resolve("summary.json").toFile());
    assertEquals("stopped", s.get("status").asText());
    assertTrue(s.get("stop_reason").asText().contains("budget"), s.toString());
    assertTrue(s.get("epsilon").asDouble() <= budget);
    assertEquals(eps3, s.get("epsilon").asDouble(), 1e-6); // the CSV keeps 6 decimals
  }
}
