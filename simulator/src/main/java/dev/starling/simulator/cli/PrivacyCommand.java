package dev.starling.simulator.cli;

import picocli.CommandLine.Command;

/** Placeholder until the privacy issue lands: says so plainly. */
@Command(name = "privacy", description = "Privacy accounting (not available yet).")
public final class PrivacyCommand implements java.util.concurrent.Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("starling: the privacy command is not available yet (it arrives with the privacy accounting work)");
    return Main.USAGE;
  }
}
