package dev.starling.cluster;

import dev.starling.node.UserError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The cluster's keys: a CA (EC P-256) and, per node, a PKCS12 keystore holding the node's key and
 * its certificate signed by the CA; a truststore holding only the CA certificate. Made with the
 * JDK's keytool. One random password protects every store (PKCS12 needs key password = store
 * password) and sits in {@code store-password}, readable by the owner only; set
 * {@code STARLING_KEYSTORE_PASSWORD} to keep it out of the directory instead.
 */
public final class Keys {

  public static final String PASSWORD_FILE = "store-password";

  private Keys() {}

  /** The TLS material of node {@code id} in {@code dir}, or a usage error saying how to make it. */
  public static ClusterSettings.Tls forNode(Path dir, int id) {
    Path ks = dir.resolve("node-" + id + ".p12");
    Path ts = dir.resolve("truststore.p12");
    for (Path p : List.of(ks, ts)) {
      if (!Files.isRegularFile(p)) {
        throw new UserError("cluster.tls is on but " + p + " does not exist (make keys with"
            + " './starling node keys --out " + dir + " --nodes N', point --keys at them, or set cluster.tls = off)");
      }
    }
    return new ClusterSettings.Tls(ks, ts, password(dir));
  }

  static String password(Path dir) {
    String env = System.getenv("STARLING_KEYSTORE_PASSWORD");
    if (env != null && !env.isEmpty()) {
      return env;
    }
    Path f = dir.resolve(PASSWORD_FILE);
    try {
      return Files.readString(f, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UserError("keystore password: " + f + " is unreadable and STARLING_KEYSTORE_PASSWORD is not set");
    }
  }

  /**
   * Makes a CA and keystores for nodes 0..nodes-1 in {@code dir}.
   *
   * @param san subject alternative names of the node certificates (hostname verification is on), e.g.
   *     {@code ip:127.0.0.1,dns:localhost}
   */
  public static void make(Path dir, int nodes, String san, int validityDays) throws IOException, InterruptedException {
    if (nodes < 1 || nodes > 10_000) {
      throw new UserError("--nodes " + nodes + " is out of range (allowed 1..10000)");
    }
    Files.createDirectories(dir);
    if (Files.exists(dir.resolve("ca.p12"))) {
      throw new UserError("--out " + dir + " already holds keys (ca.p12); choose another directory");
    }
    byte[] raw = new byte[24];
    new SecureRandom().nextBytes(raw);
    String pw = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    Path pwFile = dir.resolve(PASSWORD_FILE);
    Files.writeString(pwFile, pw + "\n", StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(pwFile, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
    String days = Integer.toString(validityDays);
    keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=starling-cluster-ca",
        "-ext", "bc:c", "-validity", days, "-keystore", "ca.p12", "-storetype", "PKCS12", "-storepass", pw);
    keytool(dir, "-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", pw, "-rfc", "-file", "ca.pem");
    keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", "truststore.p12",
        "-storetype", "PKCS12", "-storepass", pw);
    for (int n = 0; n < nodes; n++) {
      String name = "node-" + n;
      keytool(dir, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=starling-" + name,
          "-validity", days, "-keystore", name + ".p12", "-storetype", "PKCS12", "-storepass", pw);
      keytool(dir, "-certreq", "-alias", name, "-keystore", name + ".p12", "-storepass", pw, "-file", name + ".csr");
      keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", pw, "-infile", name + ".csr",
          "-outfile", name + ".pem", "-rfc", "-validity", days, "-ext", "san=" + san, "-ext", "ku:c=digitalSignature",
          "-ext", "eku=serverAuth,clientAuth");
      keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", name + ".p12", "-storepass", pw);
      keytool(dir, "-importcert", "-noprompt", "-alias", name, "-file", name + ".pem", "-keystore", name + ".p12",
          "-storepass", pw);
      Files.deleteIfExists(dir.resolve(name + ".csr"));
    }
  }

  private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException("keytool " + args[0] + " failed: " + output.replace('\n', ' ').strip());
    }
  }
}
