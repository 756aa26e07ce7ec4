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
 * role each plays, and which JVM hosts it. FL: the server is node 0 and clients 1..N; MoDeST and
 * the DL baselines: peers 0..N-1; DiLoCo: replicas 0..M-1, and the reducer, node M, runs inside
 * replica 0's JVM (so a 3-replica setup is 3 processes).
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

  /** Every process of the setup described by {@code cfg}, in start order. */
  public static List<Member> members(SimConfig cfg) {
    List<Member> out = new ArrayList<>();
    if ("diloco".equals(cfg.algorithm())) {
      for (int r = 0; r < cfg.diloco().replicas(); r++) {
        out.add(new Member(Role.REPLICA, r));
      }
    } else if (cfg.decentralized()) {
      for (int p = 0; p < cfg.clients(); p++) {
        out.add(new Member(Role.PEER, p));
      }
    } else {
      out.add(new Member(Role.SERVER, 0));
      for (int c = 1; c <= cfg.clients(); c++) {
        out.add(new Member(Role.CLIENT, c));
      }
    }
    return out;
  }

  /** Every node id of the run (DiLoCo adds the reducer, which has no process of its own). */
  public static List<Integer> nodeIds(SimConfig cfg) {
    List<Integer> ids = new ArrayList<>();
    for (Member m : members(cfg)) {
      ids.add(m.id());
    }
    if ("diloco".equals(cfg.algorithm())) {
      ids.add(cfg.diloco().replicas());
    }
    return ids;
  }

  /** The role node {@code id} plays, or a usage error naming what is allowed. */
  public static Member member(SimConfig cfg, Role role, Integer id) {
    List<Member> all = members(cfg);
    Role expected = all.get(all.size() - 1).role();
    boolean fl = !cfg.decentralized() && !"diloco".equals(cfg.algorithm());
    if (fl ? role != Role.SERVER && role != Role.CLIENT : role != expected) {
      throw new ConfigError("--role " + role.label() + " does not fit algorithm " + cfg.algorithm() + " (allowed: "
          + (fl ? "server, client" : expected.label()) + ")");
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
    for (Member m : all) {
      if (m.role() == role && m.id() == id) {
        return m;
      }
    }
    int lo = role == Role.CLIENT ? 1 : 0;
    int hi = role == Role.CLIENT ? cfg.clients() : role == Role.PEER ? cfg.clients() - 1 : cfg.diloco().replicas() - 1;
    throw new ConfigError("--id " + id + " is out of range for --role " + role.label() + " (allowed " + lo + ".." + hi + ")");
  }

  /** The port node {@code id} listens on. */
  public int port(int id) {
    return basePort + id;
  }

  /** Seed nodes: the configured ones, else the first three members. */
  public List<String> seeds(SimConfig cfg) {
    if (!seedNodes.isEmpty()) {
      return seedNodes;
    }
    List<String> out = new ArrayList<>();
    for (Member m : members(cfg)) {
      if (out.size() < 3) {
        out.add(host + ":" + port(m.id()));
      }
    }
    return out;
  }
}
