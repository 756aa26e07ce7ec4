package dev.starling.app.member;

import dev.starling.app.config.ConfigError;
import dev.starling.app.config.SimConfig;
import dev.starling.app.config.StrictConfig;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code cluster} block of a config and the members a run has: which node ids exist, which
 * role each plays, and which JVM hosts it, by the {@link Layout} the algorithm's family names.
 * With replicas, the reducer runs inside replica 0's JVM (so a 3-replica setup is 3 processes).
 */
public record ClusterConfig(
    String systemName, String host, int basePort, List<String> seedNodes, boolean tls, Path keysDir, int chunkBytes,
    long maxMessageBytes, double startupTimeoutS, double runTimeoutS, boolean checkpoint, double lingerS) {

  /** The roles a member can play. */
  public enum Role {
    SERVER, CLIENT, PEER, REPLICA;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One process of a setup: its role and node id. */
  public record Member(Role role, int id) {
    public String label() {
      return role.label() + "-" + id;
    }
  }

  public static ClusterConfig of(SimConfig cfg) {
    StrictConfig c = new StrictConfig(cfg.resolved());
    String name = c.string("cluster.system-name");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9_-]*")) {
      throw new ConfigError("config key 'cluster.system-name': '" + name + "' is not allowed (letters, digits, - and _)");
    }
    List<String> seeds = cfg.resolved().getStringList("cluster.seed-nodes");
    for (String s : seeds) {
      hostPort(s, "config key 'cluster.seed-nodes'");
    }
    String keys = c.string("cluster.keys-dir");
    return new ClusterConfig(name, c.string("cluster.host"), c.integer("cluster.base-port", 1, 65535), seeds,
        c.bool("cluster.tls"), Paths.get(keys), c.integer("cluster.chunk-bytes", 256 * 1024, 512L * 1024 * 1024),
        c.integer("cluster.max-message-bytes", 1024 * 1024, Integer.MAX_VALUE - 16), c.number("cluster.startup-timeout-s", 0, true, 86_400),
        c.number("cluster.run-timeout-s", 0, true, 30 * 86_400), c.bool("cluster.checkpoint"),
        c.number("cluster.linger-s", 0, false, 3600));
  }

  /** Checks "host:port" and returns it. */
  public static String hostPort(String s, String where) {
    int colon = s.lastIndexOf(':');
    boolean ok = colon > 0;
    if (ok) {
      try {
        int p = Integer.parseInt(s.substring(colon + 1));
        ok = p >= 1 && p <= 65535;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new ConfigError(where + ": '" + s + "' is not host:port (port 1..65535)");
    }
    return s;
  }

  /** Which processes a run has; the algorithm's family names its layout. */
  public enum Layout {
    /** The server is node 0 (it announces the end of the run), clients are 1..clients.count. */
    SERVER_AND_CLIENTS(Role.SERVER, Role.CLIENT),
    /** Peers 0..clients.count-1, each deciding the end for itself. */
    PEERS(Role.PEER),
    /** Replicas 0..M-1; the reducer, node M, runs inside replica 0's JVM and announces the end. */
    REPLICAS(Role.REPLICA);

    private final List<Role> roles;

    Layout(Role... roles) {
      this.roles = List.of(roles);
    }

    /** The roles a member of this layout may be started with. */
    public List<Role> roles() {
      return roles;
    }

    /** Whether the first member announces the end of the run to the others. */
    public boolean coordinated() {
      return this != PEERS;
    }
  }

  /** Every process of the setup described by {@code cfg}, in start order. */
  public static List<Member> members(SimConfig cfg, Layout layout) {
    List<Member> out = new ArrayList<>();
    switch (layout) {
      case REPLICAS -> {
        for (int r = 0; r < cfg.diloco().replicas(); r++) {
          out.add(new Member(Role.REPLICA, r));
        }
      }
      case PEERS -> {
        for (int p = 0; p < cfg.clients(); p++) {
          out.add(new Member(Role.PEER, p));
        }
      }
      case SERVER_AND_CLIENTS -> {
        out.add(new Member(Role.SERVER, 0));
        for (int c = 1; c <= cfg.clients(); c++) {
          out.add(new Member(Role.CLIENT, c));
        }
      }
    }
    return out;
  }

  /** Every node id of the run (the replicas' layout adds the reducer, which has no process of its own). */
  public static List<Integer> nodeIds(SimConfig cfg, Layout layout) {
    List<Integer> ids = new ArrayList<>();
    for (Member m : members(cfg, layout)) {
      ids.add(m.id());
    }
    if (layout == Layout.REPLICAS) {
      ids.add(cfg.diloco().replicas());
    }
    return ids;
  }

  /**
   * The run's id on the wire: the first 8 bytes of the SHA-256 of the resolved config without
   * what may differ between the members of one run (cluster addresses and ports, output and data
   * directories, compute threads). Members started from different configs refuse each other.
   */
  public static long runId(SimConfig cfg) {
    com.typesafe.config.Config c = cfg.resolved().withoutPath("cluster").withoutPath("output").withoutPath("simulation")
        .withoutPath("data.dir");
    String hex = dev.starling.app.report.RunWriter.configSha256(c);
    return Long.parseUnsignedLong(hex.substring(0, 16), 16);
  }

  /**
   * The member whose certificate speaks for each node id: itself, except the DiLoCo reducer,
   * which runs inside replica 0's JVM.
   */
  public static java.util.function.IntUnaryOperator hostOf(SimConfig cfg, Layout layout) {
    int reducer = layout == Layout.REPLICAS ? cfg.diloco().replicas() : -1;
    return id -> id == reducer ? 0 : id;
  }

  /** The role node {@code id} plays, or a usage error naming what is allowed. */
  public static Member member(SimConfig cfg, Layout layout, Role role, Integer id) {
    if (!layout.roles().contains(role)) {
      throw new ConfigError("--role " + role.label() + " does not fit algorithm " + cfg.algorithm() + " (allowed: "
          + String.join(", ", layout.roles().stream().map(Role::label).toList()) + ")");
    }
    if (role == Role.SERVER) {
      if (id != null && id != 0) {
        throw new ConfigError("--id " + id + ": the server is node 0");
      }
      return new Member(Role.SERVER, 0);
    }
    if (id == null) {
      throw new ConfigError("--id is required for --role " + role.label());
    }
    List<Member> all = members(cfg, layout);
    for (Member m : all) {
      if (m.role() == role && m.id() == id) {
        return m;
      }
    }
    int lo = Integer.MAX_VALUE;
    int hi = Integer.MIN_VALUE;
    for (Member m : all) {
      if (m.role() == role) {
        lo = Math.min(lo, m.id());
        hi = Math.max(hi, m.id());
      }
    }
    throw new ConfigError("--id " + id + " is out of range for --role " + role.label() + " (allowed " + lo + ".." + hi + ")");
  }

  /** The port node {@code id} listens on. */
  public int port(int id) {
    return basePort + id;
  }

  /** Seed nodes: the configured ones, else the first three members. */
  public List<String> seeds(SimConfig cfg, Layout layout) {
    if (!seedNodes.isEmpty()) {
      return seedNodes;
    }
    List<String> out = new ArrayList<>();
    for (Member m : members(cfg, layout)) {
      if (out.size() < 3) {
        out.add(host + ":" + port(m.id()));
      }
    }
    return out;
  }
}
