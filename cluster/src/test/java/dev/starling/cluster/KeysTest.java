package dev.starling.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.starling.node.UserError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysTest {

  @TempDir Path dir;

  @Test
  void everyFileIsTheOwnersAloneAndEveryStoreHasItsOwnPassword() throws Exception {
    Path keys = dir.resolve("keys");
    Keys.make(keys, 3, "ip:127.0.0.1,dns:localhost", 2);
    try (Stream<Path> files = Files.walk(keys)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)), f.toString());
      }
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("ca"))));
    assertTrue(Files.exists(keys.resolve("ca/ca.p12")));
    assertFalse(Files.exists(keys.resolve("ca.p12")), "the CA key is not beside the members' keys");
    Set<String> passwords = new HashSet<>();
    for (String f : new String[] {"ca/ca-password", "truststore-password", "node-0.password", "node-1.password",
        "node-2.password"}) {
      passwords.add(Files.readString(keys.resolve(f)).strip());
    }
    assertEquals(5, passwords.size(), "one secret per store");
    // A member's password opens its own store only, never the CA's.
    ClusterSettings.Tls tls = Keys.forNode(keys, 1);
    assertEquals(1, Identity.load(tls).member());
    var wrong = new ClusterSettings.Tls(keys.resolve("ca/ca.p12"), tls.keyPassword(), tls.trustStore(), tls.trustPassword());
    UserError e = assertThrows(UserError.class, () -> Identity.load(wrong));
    assertTrue(e.getMessage().contains("does not open with its password"), e.getMessage());
  }

  @Test
  void aWrongStorePasswordIsOneLineNamingTheStore() throws Exception {
    Path keys = dir.resolve("keys");
    Keys.make(keys, 2, "ip:127.0.0.1", 2);
    ClusterSettings.Tls tls = Keys.forNode(keys, 0);
    UserError e = assertThrows(UserError.class,
        () -> Identity.load(new ClusterSettings.Tls(tls.keyStore(), "not-it", tls.trustStore(), tls.trustPassword())));
    assertTrue(e.getMessage().startsWith(tls.keyStore() + " does not open with its password"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void aBadSubjectAlternativeNameWritesNothing() {
    Path keys = dir.resolve("keys");
    UserError e = assertThrows(UserError.class, () -> Keys.make(keys, 2, "ip:127.0.0.1,bogus", 2));
    assertTrue(e.getMessage().contains("entry 'bogus' is not ip:ADDRESS or dns:NAME"), e.getMessage());
    assertThrows(UserError.class, () -> Keys.make(keys, 2, "ip:300.1.1.1", 2));
    assertThrows(UserError.class, () -> Keys.make(keys, 2, "dns:-x-", 2));
    assertFalse(Files.exists(keys));
    assertEquals(0, dir.toFile().list().length, "no temporary folder left behind");
  }

  @Test
  void keysAreNotMadeTwiceInOneDirectory() throws Exception {
    Path keys = dir.resolve("keys");
    Keys.make(keys, 1, "ip:127.0.0.1", 2);
    String before = Files.readString(keys.resolve("node-0.password"));
    assertThrows(UserError.class, () -> Keys.make(keys, 1, "ip:127.0.0.1", 2));
    assertEquals(before, Files.readString(keys.resolve("node-0.password")));
    assertNotEquals("", before.strip());
  }
}
