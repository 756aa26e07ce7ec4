package dev.starling.cluster;

import dev.starling.node.UserError;
import java.io.IOException;

/** Whether a member can listen where it is told to: one line now, instead of Pekko's stack trace at start-up. */
public final class Bind {

  private Bind() {}

  /**
   * Throws a {@link UserError} unless {@code host} resolves and {@code host:port} can be bound.
   *
   * @param hostName how the user gave the host (a flag or a config key)
   * @param hostKey the config key behind that flag, or null
   * @param portName how the user gave the port
   */
  public static void check(String host, int port, String hostName, String hostKey, String portName) {
    java.net.InetAddress addr;
    try {
      addr = java.net.InetAddress.getByName(host);
    } catch (java.net.UnknownHostException e) {
      throw new UserError(hostName + " '" + host + "' does not resolve to an address (" + (hostKey == null ? "" : hostKey + "; ")
          + "allowed: this machine's name or IP address)");
    }
    try (java.net.ServerSocket s = new java.net.ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new java.net.InetSocketAddress(addr, port));
    } catch (IOException e) {
      throw new UserError(portName + " " + port + " on " + host + " cannot be bound (" + e.getMessage() + "): another process"
          + " holds it, or the address is not this machine's; choose another with " + portName + " or " + hostName);
    }
  }
}
