package dev.starling.app.family;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.starling.app.config.SimConfig;
import dev.starling.app.experiment.DataLoader;
import dev.starling.app.member.ClusterConfig;
import dev.starling.app.member.MemberContext;
import dev.starling.app.report.MetricsRow;
import dev.starling.app.report.RunResult;
import dev.starling.app.report.RunWriter;
import java.util.List;
import java.util.function.Consumer;

/**
 * One family of algorithms (FL with its strategies, MoDeST, the DL baselines, DiLoCo): the config
 * values it answers to, its defaults and checks, how it runs in the simulator and what a cluster
 * member of it runs. A family registers once, in {@link Families}; nothing else switches on an
 * algorithm's name.
 */
public interface AlgorithmFamily {

  /** A short name for messages and docs, e.g. {@code fl}. */
  String name();

  /** The values of {@code algorithm} this family runs. */
  List<String> algorithms();

  /** Whether the family runs without a server (then churn, failures and availability apply to its nodes). */
  boolean serverless();

  /** Defaults of {@code algorithm} that differ from the shipped ones (e.g. an adaptive server step). */
  default Config defaults(String algorithm) {
    return ConfigFactory.empty();
  }

  /** Checks that depend on this family; throws {@link dev.starling.app.config.ConfigError} naming the key. */
  default void validate(SimConfig cfg) {}

  /** Lines about keys the user set that are legal but have no effect on this family's runs. */
  default List<String> warnings(SimConfig cfg) {
    return List.of();
  }

  /** Rounds the run has (the progress bar's length). */
  default int rounds(SimConfig cfg) {
    return cfg.rounds();
  }

  /** The run's nodes for the start line, e.g. {@code 100 clients}. */
  String nodes(SimConfig cfg);

  /** Runs {@code cfg} in the simulator, writing rows through {@code writer} and reporting each to {@code progress}. */
  RunResult simulate(SimConfig cfg, DataLoader.Loaded data, RunWriter writer, Consumer<MetricsRow> progress);

  /** Whether {@link #simulate} can spread a run over several JVMs ({@code simulation.shards > 1}). */
  default boolean shardable() {
    return false;
  }

  /**
   * This JVM's part of a sharded run of {@code cfg}: the nodes a shard holds, on a harness that
   * serves the coordinator (only for a {@link #shardable} family).
   */
  default dev.starling.app.shard.ShardServer.Served shard(SimConfig cfg, DataLoader.Loaded data) {
    throw new UnsupportedOperationException(name() + " runs on one JVM only");
  }

  /** Which processes a cluster run of this family has. */
  ClusterConfig.Layout layout();

  /** Builds and runs this member's node on the joined cluster; returns the exit code. */
  int runMember(MemberContext member) throws InterruptedException;
}
