package dev.starling.app.member;

import dev.starling.app.experiment.FlWorld;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.Provenance;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import dev.starling.node.fl.FlClient;
import dev.starling.node.fl.FlServer;
import dev.starling.node.fl.RoundListener;
import dev.starling.node.fl.RoundRecord;
import dev.starling.node.fl.ServerCheckpoints;
import dev.starling.node.learning.LocalTrainer;
import dev.starling.node.learning.TrainingConfig;
import dev.starling.node.wire.proto.RoundSummary;
import dev.starling.node.wire.proto.RunDone;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The FL server and client members: the server writes the simulator's {@code metrics.csv} and
 * {@code summary.json} (resuming from its checkpoint after a restart); a client trains when asked.
 */
public final class FlMembers {

  private FlMembers() {}

  public static int server(MemberContext m, FlWorld world) throws InterruptedException {
    var cfg = m.cfg();
    var runtime = m.runtime();
    FlServer.Setup setup = world.server();
    ServerCheckpoints store = new ServerCheckpoints(m.out().resolve("checkpoint"));
    boolean resuming = m.cluster().checkpoint() && java.nio.file.Files.exists(store.file());
    if (m.cluster().checkpoint()) {
      setup = setup.withCheckpoints(store);
    }
    List<MetricsRow> rows = new ArrayList<>();
    CompletableFuture<float[]> finished = m.orRoleFailure(new CompletableFuture<>());
    String[] stopReason = new String[1];
    double[] resumedAt = new double[1]; // elapsed seconds of earlier incarnations
    try (RunWriter writer = new RunWriter(m.out())) {
      var clientEpsilon = world.clientEpsilon();
      if (clientEpsilon != null) {
        writer.clientLedger(clientEpsilon); // the restored rounds count too
      }
      RoundListener listener = new RoundListener() {
        @Override
        public void resumed(List<RoundSummary> completed) {
          for (RoundSummary s : completed) {
            MetricsRow row = new MetricsRow(s.getRound(), s.getElapsedS(), s.getEvaluated() ? s.getAccuracy() : null,
                s.getEvaluated() ? s.getLoss() : null, s.getTrainLoss(), s.getAggregatedCount(), s.getInvitedCount(),
                s.getAttempts(), 0, 0, 0, 0, s.getHasEpsilon() ? s.getEpsilon() : null, null, 0, 0, 0, world.clients());
            if (s.getFedEvaluated()) {
              row = row.withFederated(s.getFedAccuracy(), s.getFedAccuracyP10());
            }
            rows.add(row);
            writer.row(row, s.getInvitedList(), s.getAggregatedList());
            if (s.getFedEvaluated()) {
              writer.federated(s.getRound(), s.getFedAsked(), s.getFedAnswered(), s.getFedSamples(), s.getFedAccuracy(),
                  s.getFedLoss(), s.getFedAccuracyP10());
            }
            resumedAt[0] = s.getElapsedS();
          }
          m.say("resumed from the checkpoint after round %d",
              completed.isEmpty() ? 0 : completed.get(completed.size() - 1).getRound());
        }

        @Override
        public void roundCompleted(RoundRecord r, float[] global) {
          var st = runtime.stats();
          long bytes = st.bytesReceived() + st.bytesSent();
          MetricsRow row = MetricsRow.ofRound(r, resumedAt[0] + m.elapsed(), new MetricsRow.Traffic(st.bytesReceived(),
              st.bytesSent(), bytes, st.messagesSent() + st.messagesReceived(), bytes, 0, 0), world.clients());
          rows.add(row);
          writer.row(row, r.invited(), r.aggregated());
          writer.federated(r);
          m.say("round %d done: %d of %d invited aggregated (attempts %d)%s%s", r.round(), r.aggregated().size(),
              r.invited().size(), r.attempts(), r.evaluation() == null ? ""
                  : String.format(Locale.ROOT, ", accuracy %.2f %%", 100 * r.evaluation().accuracy()),
              st.rejected() == 0 ? "" : "; " + st.rejected() + " messages rejected so far");
        }

        @Override
        public void finished(float[] params) {
          finished.complete(params);
        }

        @Override
        public void stoppedEarly(float[] params, String reason) {
          stopReason[0] = reason;
          finished.complete(params);
        }

        @Override
        public void failed(String reason) {
          finished.completeExceptionally(new IllegalStateException(reason));
        }
      };
      Runnable start = world.spawnServer(new FlWorld.Spawner() {
        @Override
        public <T> org.apache.pekko.actor.typed.ActorRef<T> spawn(org.apache.pekko.actor.typed.Behavior<T> role) {
          return runtime.spawn("node-" + FlWorld.SERVER, role);
        }
      }, m.ports(FlWorld.SERVER), setup, listener);
      // A round can close with min-clients updates: that many clients back is enough to go on.
      int enough = Math.min(cfg.server().minClients(), world.clients());
      if (resuming && runtime.awaitRoutes(world.clientIds(), enough, m.startup())) {
        // Resumed: the clients still alive are back; one that died is not waited for (its rounds
        // are covered by the deadline and min-clients), a late one is routed to once it registers.
        runtime.awaitRoutes(world.clientIds(), Duration.ofSeconds(3));
        m.say("resuming with %d of %d clients registered%s", world.clients() - runtime.missing(world.clientIds()).size(),
            world.clients(), runtime.missing(world.clientIds()).isEmpty() ? ""
                : " (not yet: " + runtime.missing(world.clientIds()) + ")");
      } else if (!runtime.awaitRoutes(world.clientIds(), m.startup())) {
        m.say("starting without clients %s (not seen within %.0f s)", runtime.missing(world.clientIds()),
            m.cluster().startupTimeoutS());
      } else {
        m.say("all %d clients are registered; starting", world.clients());
      }
      start.run();
      float[] params = null;
      String failure = null;
      double runTimeout = m.cluster().runTimeoutS();
      try {
        params = finished.get(Math.round(runTimeout * 1000), TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        failure = e.getCause().getMessage();
      } catch (TimeoutException e) {
        failure = String.format(Locale.ROOT, "run timed out after %.0f s (cluster.run-timeout-s)", runTimeout);
      }
      int completed = rows.isEmpty() ? 0 : rows.get(rows.size() - 1).round();
      runtime.broadcastRunDone(FlWorld.SERVER, completed, failure != null ? failure : stopReason[0]);
      Thread.sleep(1500); // let the RunDone frames leave before the transport stops
      var st = runtime.stats();
      Map<String, Object> extras = new LinkedHashMap<>();
      extras.put("role", m.me().role().label());
      extras.put("node_id", m.me().id());
      extras.put("members", m.memberCount());
      extras.put("messages_rejected", st.rejected());
      extras.put("messages_unrouted", st.unrouted());
      var local = world.localEpsilon();
      if (local != null) {
        extras.put("epsilon_local", local.applyAsDouble(rows.size()));
      }
      RunResult result = new RunResult(cfg.name(), cfg.algorithm(), cfg.seed(), List.copyOf(rows), params, m.elapsed(),
          0, 0, m.out(), failure, stopReason[0], extras);
      m.markEnded();
      Map<String, Object> summary = writer.finish(result, cfg.resolved(),
          Provenance.of(cfg.data().dataset(), m.data().sha256()), cfg.output().plot());
      m.say("%s after %d rounds; final model sha256 %s", failure == null ? "finished" : "failed: " + failure, completed,
          summary.get("final_model_sha256"));
      return failure == null ? 0 : 1;
    }
  }

  /**
   * One throwaway local training on this client's data before it registers, so that native
   * start-up and the JIT happen now rather than in round 1, where they made the first attempts miss
   * the deadline (2-4 attempts on a cold start). Training resets the model and its optimizer and
   * takes its own seed, so nothing of this reaches a round.
   */
  private static void warmUp(FlClient.Setup setup) {
    var models = setup.models();
    var tc = models.training();
    var once = new TrainingConfig(Math.min(tc.epochs(), 50), tc.batchSize(), tc.optimizer(),
        tc.learningRate(), tc.momentum(), tc.weightDecay(), tc.proxMu(), tc.maxSteps());
    var model = models.get();
    LocalTrainer.train(model, model.params(), setup.data(), setup.indices(), once, 0);
  }

  public static int client(MemberContext m, FlWorld world) throws InterruptedException {
    int id = m.me().id();
    CompletableFuture<RunDone> done = new CompletableFuture<>();
    m.runtime().onRunDone((from, rd) -> {
      if (from == FlWorld.SERVER) {
        done.complete(rd);
      }
    });
    FlClient.Setup setup = world.client(id);
    if (setup.secagg() != null) { // a deployment draws its SecAgg keys from the system, never from the run seed
      setup = setup.withSecAgg(new FlClient.SecAgg(setup.secagg().maxWeight(), false));
    }
    warmUp(setup);
    m.runtime().spawn("node-" + id, FlClient.create(m.ports(id), setup));
    m.say("ready with %d local samples", world.localSamples(id));
    return m.awaitEnd(done, Map.of("local_samples", world.localSamples(id)), 0);
  }
}
