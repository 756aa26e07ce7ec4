package dev.starling.cluster;

import dev.starling.node.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The cluster's keys, made in-process (BouncyCastle signs the certificates, the JDK's KeyStore API
 * writes the stores; no password ever reaches a command line).
 *
 * <p>Layout of a key directory: {@code ca/ca.p12} and {@code ca/ca-password}, the CA's key under
 * its own secret, needed only to make keys (keep the {@code ca/} folder on the machine that made
 * them); {@code ca.pem}, the CA certificate; {@code truststore.p12} (only the CA certificate) with
 * {@code truststore-password}; and per node {@code node-N.p12} (its EC P-256 key and certificate)
 * with {@code node-N.password}, each with its own random password. Every file is readable by its
 * owner only. A node's certificate names its node id: subject {@code CN=starling-node-N} and the
 * subject alternative name {@code urn:starling:node:N} ({@link Identity} reads it from there).
 */
public final class Keys {

  /** Where the CA's own key and secret live inside a key directory. */
  public static final String CA_DIR = "ca";

  private static final Pattern DNS = Pattern.compile("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
  private static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

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
    return new ClusterSettings.Tls(ks, secret(dir.resolve("node-" + id + ".password")), ts,
        secret(dir.resolve("truststore-password")));
  }

  private static String secret(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UserError("keystore password: " + f + " is missing or unreadable (it comes with the keystore from"
          + " './starling node keys')");
    }
  }

  /** One subject alternative name of the node certificates. */
  private record San(int tag, String value) {}

  /** Parses {@code ip:ADDR,dns:NAME,...}; a usage error names the first entry that is neither. */
  static List<San> parseSan(String list) {
    List<San> out = new ArrayList<>();
    for (String raw : list.split(",", -1)) {
      String e = raw.strip();
      int colon = e.indexOf(':');
      String kind = colon < 0 ? "" : e.substring(0, colon).toLowerCase(Locale.ROOT);
      String v = colon < 0 ? "" : e.substring(colon + 1);
      if (kind.equals("ip") && (IPV4.matcher(v).matches() || IPV6.matcher(v).matches())) {
        out.add(new San(GeneralName.iPAddress, v));
      } else if (kind.equals("dns") && v.length() <= 253 && DNS.matcher(v).matches()) {
        out.add(new San(GeneralName.dNSName, v));
      } else {
        throw new UserError("--san '" + list + "': entry '" + e + "' is not ip:ADDRESS or dns:NAME (e.g. ip:10.0.0.5,dns:node5.lan)");
      }
    }
    return out;
  }

  /**
   * Makes a CA and keystores for nodes 0..nodes-1 in {@code dir}. Everything is made in a
   * temporary folder beside it and moved into place at the end, so a failure leaves nothing
   * half-written.
   *
   * @param san subject alternative names of the node certificates (hostname verification is on), e.g.
   *     {@code ip:127.0.0.1,dns:localhost}
   */
  public static void make(Path dir, int nodes, String san, int validityDays) throws IOException {
    if (nodes < 1 || nodes > 10_000) {
      throw new UserError("--nodes " + nodes + " is out of range (allowed 1..10000)");
    }
    List<San> sans = parseSan(san);
    if (Files.exists(dir.resolve(CA_DIR)) || Files.exists(dir.resolve("truststore.p12"))) {
      throw new UserError("--out " + dir + " already holds keys; choose another directory");
    }
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new UserError("--out " + dir + " is a file, not a directory");
    }
    Path parent = dir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, ".keys-");
    try {
      write(tmp, nodes, sans, validityDays);
      Files.createDirectories(dir);
      try (var files = Files.list(tmp)) {
        for (Path f : files.sorted().toList()) {
          Files.move(f, dir.resolve(f.getFileName().toString()), StandardCopyOption.ATOMIC_MOVE);
        }
      }
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new IOException("making keys failed: " + e, e);
    } finally {
      deleteTree(tmp);
    }
  }

  private static void write(Path dir, int nodes, List<San> sans, int days)
      throws IOException, GeneralSecurityException, OperatorCreationException {
    SecureRandom random = new SecureRandom();
    KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
    gen.initialize(new ECGenParameterSpec("secp256r1"), random);
    Instant now = Instant.now();
    Date from = Date.from(now.minus(Duration.ofMinutes(5)));
    Date to = Date.from(now.plus(Duration.ofDays(days)));
    JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();

    KeyPair ca = gen.generateKeyPair();
    X500Name caName = new X500Name("CN=starling-cluster-ca");
    X509v3CertificateBuilder cb = new JcaX509v3CertificateBuilder(caName, serial(random), from, to, caName, ca.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
        .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(ca.getPublic()));
    ContentSigner caSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(ca.getPrivate());
    X509Certificate caCert = new JcaX509CertificateConverter().getCertificate(cb.build(caSigner));

    Path caDir = Files.createDirectory(dir.resolve(CA_DIR));
    owner(caDir, "rwx------");
    String caPw = password(random);
    store(caDir.resolve("ca.p12"), "ca", ca.getPrivate(), caPw, caCert);
    secretFile(caDir.resolve("ca-password"), caPw);
    secretFile(dir.resolve("ca.pem"), pem(caCert));

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", caCert);
    String trustPw = password(random);
    save(trust, dir.resolve("truststore.p12"), trustPw);
    secretFile(dir.resolve("truststore-password"), trustPw);

    for (int n = 0; n < nodes; n++) {
      KeyPair kp = gen.generateKeyPair();
      List<GeneralName> names = new ArrayList<>();
      for (San s : sans) {
        names.add(new GeneralName(s.tag(), s.value()));
      }
      names.add(new GeneralName(GeneralName.uniformResourceIdentifier, Identity.nodeUri(n)));
      X509v3CertificateBuilder nb = new JcaX509v3CertificateBuilder(caCert, serial(random), from, to,
          new X500Name("CN=starling-node-" + n), kp.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(nb.build(caSigner));
      String pw = password(random);
      store(dir.resolve("node-" + n + ".p12"), "node-" + n, kp.getPrivate(), pw, cert, caCert);
      secretFile(dir.resolve("node-" + n + ".password"), pw);
    }
  }

  private static BigInteger serial(SecureRandom random) {
    return new BigInteger(120, random).setBit(119);
  }

  private static String password(SecureRandom random) {
    byte[] raw = new byte[24];
    random.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  private static void store(Path file, String alias, PrivateKey key, String pw, X509Certificate... chain)
      throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry(alias, key, pw.toCharArray(), chain.clone());
    if (chain.length > 1) {
      ks.setCertificateEntry("ca", chain[chain.length - 1]);
    }
    save(ks, file, pw);
  }

  private static void save(KeyStore ks, Path file, String pw) throws IOException, GeneralSecurityException {
    Files.createFile(file);
    owner(file, "rw-------");
    try (OutputStream o = Files.newOutputStream(file)) {
      ks.store(o, pw.toCharArray());
    }
  }

  private static void secretFile(Path file, String text) throws IOException {
    Files.createFile(file);
    owner(file, "rw-------");
    Files.writeString(file, text.endsWith("\n") ? text : text + "\n", StandardCharsets.UTF_8);
  }

  private static void owner(Path p, String perms) throws IOException {
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's own protection applies
    }
  }

  static String pem(Certificate c) throws GeneralSecurityException {
    return "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(c.getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
