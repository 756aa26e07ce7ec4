package dev.starling.app.cli;

import dev.starling.app.report.Provenance;
import dev.starling.node.UserError;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code starling} command line. Usage errors (bad flags, bad config, missing files) print one
 * line naming what is wrong and exit with code 2; a run that fails after starting exits 1.
 */
@Command(
    name = "starling",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Federated and decentralized learning: simulate, deploy, account for privacy.",
    subcommands = {SimulateCommand.class, CompareCommand.class, SweepCommand.class, PrivacyCommand.class, NodeCommand.class, ShardCommand.class, DataCommand.class,
        Main.Help.class})
public final class Main implements Runnable {

  public static final int USAGE = 2;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static void main(String[] args) {
    // Bind SLF4J on this thread before Pekko's threads log concurrently, which would make SLF4J
    // print a warning about replayed calls.
    org.slf4j.LoggerFactory.getILoggerFactory();
    Thread.UncaughtExceptionHandler dflt = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
      if (e instanceof OutOfMemoryError) {
        outOfMemory();
      } else if (dflt != null) {
        dflt.uncaughtException(t, e);
      } else {
        e.printStackTrace();
      }
    });
    int code;
    try {
      code = execute(args);
    } catch (OutOfMemoryError e) {
      outOfMemory();
      return;
    }
    System.exit(code);
  }

  /**
   * The heap ran out: one line saying how large it was and how to raise it, then exit 2 (rows
   * already written stay on disk; a run's files are written round by round).
   */
  private static void outOfMemory() {
    long max = Runtime.getRuntime().maxMemory() >> 20;
    long physical = -1;
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      physical = os.getTotalMemorySize() >> 30;
    }
    System.err.println("starling: out of memory: the Java heap (-Xmx, now " + max + " MiB) is too small for this run;"
        + " raise it with STARLING_JAVA_OPTS=\"-Xmx8g\"" + (physical > 0 ? " (this machine has " + physical + " GiB)" : ""));
    System.err.flush();
    Runtime.getRuntime().halt(2);
  }

  /** Runs the CLI and returns its exit code (used by tests without spawning a JVM). */
  public static int execute(String... args) {
    CommandLine cl = commandLine();
    return cl.execute(args);
  }

  /** As {@link #execute(String...)} with the CLI's own output and error writers replaced. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setUsageHelpWidth(100); // fewer file names and keys cut at a '.' by the wrapping
    // `node --keys keys`: an option's value may be spelled like a subcommand (here `node keys`).
    cl.setAllowSubcommandsAsOptionParameters(true);
    cl.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println("starling: " + ex.getMessage().replace('\n', ' ').strip()
          + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
      err.flush();
      return USAGE;
    });
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      if (ex instanceof UserError) {
        err.println("starling: " + ex.getMessage());
        err.flush();
        return USAGE;
      }
      throw ex;
    });
    return cl;
  }

  /** {@code starling help [COMMAND [SUBCOMMAND]...]}: the help of any command, however deep. */
  @Command(name = "help", description = "Show the help of a command, e.g. 'starling help node local'.", helpCommand = true)
  static final class Help implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(paramLabel = "COMMAND", arity = "0..*", description = "The command path, e.g. node local.")
    java.util.List<String> path = new java.util.ArrayList<>();

    @Override
    public void run() {
      CommandLine at = spec.commandLine().getParent();
      for (String name : path) {
        CommandLine next = at.getSubcommands().get(name);
        if (next == null) {
          throw new UserError("help: '" + String.join(" ", path) + "' is not a command (commands of '"
              + at.getCommandName() + "': " + String.join(", ", at.getSubcommands().keySet()) + ")");
        }
        at = next;
      }
      at.usage(spec.commandLine().getOut());
    }
  }

  /** Reports the project version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"starling " + Provenance.version()};
    }
  }
}
