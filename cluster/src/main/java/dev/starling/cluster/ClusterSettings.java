package dev.starling.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How one JVM joins the cluster: its address, the seed nodes, the transport (Artery TCP, or TLS
 * with mutual authentication against the cluster CA) and the framing limits. {@link #pekkoConfig()}
 * turns it into the Pekko settings, so frame sizes and large-message destinations always agree
 * with the chunk size the runtime uses.
 *
 * @param systemName the actor system name (the same on every member)
 * @param host the canonical host this member binds and advertises
 * @param port the canonical port
 * @param seedNodes "host:port" of the seed nodes
 * @param tls null for plain TCP
 * @param chunkBytes payload bytes per frame of a large message
 * @param maxMessageBytes the largest envelope accepted
 * @param runId the run's id: every envelope carries it, and one of another run is refused
 */
public record ClusterSettings(
    String systemName, String host, int port, List<String> seedNodes, Tls tls, int chunkBytes, long maxMessageBytes,
    long runId) {

  /** The version of the cluster wire format this build speaks (every envelope carries it). */
  public static final int WIRE_VERSION = 1;

  /** Settings of a member whose run has no id of its own (tools and tests): run id 0. */
  public ClusterSettings(
      String systemName, String host, int port, List<String> seedNodes, Tls tls, int chunkBytes, long maxMessageBytes) {
    this(systemName, host, port, seedNodes, tls, chunkBytes, maxMessageBytes, 0L);
  }

  /** Messages up to this size travel as one frame on Artery's ordinary stream. */
  public static final int INLINE_BYTES = 128 * 1024;

  /**
   * Keystores for Artery TLS, each with its own password.
   *
   * @param keyStore this member's PKCS12 keystore (its key, its certificate and the CA's)
   * @param keyPassword the password of that store and of its key
   * @param trustStore PKCS12 truststore holding only the cluster CA certificate
   * @param trustPassword the truststore's password
   */
  public record Tls(Path keyStore, String keyPassword, Path trustStore, String trustPassword) {
    @Override
    public String toString() {
      return "Tls[" + keyStore + ", " + trustStore + "]"; // never the passwords
    }
  }

  public ClusterSettings {
    seedNodes = List.copyOf(seedNodes);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be in 0..65535, got " + port);
    }
    if (chunkBytes < INLINE_BYTES) {
      throw new IllegalArgumentException("chunk size must be >= " + INLINE_BYTES + " bytes, got " + chunkBytes);
    }
  }

  /** The Pekko configuration for this member, over Pekko's reference settings. */
  public Config pekkoConfig() {
    Map<String, Object> m = new TreeMap<>();
    m.put("pekko.actor.provider", "cluster");
    m.put("pekko.actor.allow-java-serialization", "off");
    m.put("pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"));
    m.put("pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter");
    m.put("pekko.loglevel", "INFO");
    m.put("pekko.log-dead-letters", 0);
    m.put("pekko.coordinated-shutdown.exit-jvm", "off");
    m.put("pekko.remote.artery.transport", tls == null ? "tcp" : "tls-tcp");
    m.put("pekko.remote.artery.canonical.hostname", host);
    m.put("pekko.remote.artery.canonical.port", port);
    // Frames of large messages go to the bulk endpoints on their own TCP connection, so a model
    // transfer never holds up cluster gossip or small protocol messages.
    m.put("pekko.remote.artery.large-message-destinations", List.of("/user/bulk-*"));
    m.put("pekko.remote.artery.advanced.maximum-frame-size", (INLINE_BYTES + 64 * 1024) + "b");
    m.put("pekko.remote.artery.advanced.maximum-large-frame-size", (chunkBytes + 64 * 1024) + "b");
    m.put("pekko.remote.artery.advanced.large-buffer-pool-size", 16);
    // A queued frame references a slice of the sender's one serialized copy, so a deep queue costs
    // no memory per recipient; a full queue would drop frames silently.
    m.put("pekko.remote.artery.advanced.outbound-large-message-queue-size", 65536);
    m.put("pekko.remote.artery.advanced.outbound-message-queue-size", 16384);
    // Frame is bound to Pekko's protobuf serializer ("proto"), extended with Artery's ByteBuffer
    // path so frames skip three copies; same identifier, same bytes on the wire.
    m.put("pekko.actor.serializers.proto", ProtobufBufferSerializer.class.getName());
    m.put("pekko.actor.serialization-identifiers.\"" + ProtobufBufferSerializer.class.getName() + "\"", 2);
    m.put("pekko.actor.serialization-bindings.\"dev.starling.node.wire.proto.Frame\"", "proto");
    // Pekko binds its own shaded protobuf messages to "proto" too; nothing here sends them, and
    // unbound they no longer draw Pekko's warning about a replaced serializer for its classes.
    m.put("pekko.actor.serialization-bindings.\"org.apache.pekko.protobufv3.internal.GeneratedMessage\"", "none");
    // Pekko IO moves TCP data through a direct buffer of this size; 1 MiB instead of 128 KiB cut
    // the time of a 100 MB transfer by a third (bench/run transfer).
    m.put("pekko.io.tcp.direct-buffer-size", "1MiB");
    m.put("pekko.cluster.seed-nodes", seedNodes.stream().map(s -> "pekko://" + systemName + "@" + s).toList());
    m.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
    m.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
    m.put("pekko.cluster.split-brain-resolver.stable-after", "7s");
    m.put("pekko.cluster.jmx.enabled", "off");
    m.put("pekko.cluster.log-info-verbose", "off");
    if (tls != null) {
      String p = "pekko.remote.artery.ssl.config-ssl-engine.";
      m.put(p + "key-store", tls.keyStore().toAbsolutePath().toString());
      m.put(p + "trust-store", tls.trustStore().toAbsolutePath().toString());
      m.put(p + "key-store-password", tls.keyPassword());
      m.put(p + "key-password", tls.keyPassword());
      m.put(p + "trust-store-password", tls.trustPassword());
      m.put("pekko.remote.artery.ssl.ssl-engine-provider", TrustLoggingSslEngineProvider.class.getName());
      m.put(p + "protocol", "TLSv1.3");
      m.put(p + "enabled-algorithms", List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"));
      m.put(p + "require-mutual-authentication", "on");
      m.put(p + "hostname-verification", "on");
    }
    Config c = ConfigFactory.empty();
    for (var e : m.entrySet()) {
      c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
    }
    return c.withFallback(ConfigFactory.load());
  }
}
