package dev.starling.simulator.cli;

import picocli.CommandLine.Command;

/** Placeholder until cluster deployment lands: says so plainly. */
@Command(name = "node", description = "Run one cluster member (not available yet).")
public final class NodeCommand implements java.util.concurrent.Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("starling: the node command is not available yet (it arrives with cluster deployment)");
    return Main.USAGE;
  }
}
