package dev.starling.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.starling.privacy.Accounting;
import dev.starling.privacy.calibration.Calibration;
import dev.starling.privacy.rqm.RqmAnalysis;
import dev.starling.privacy.rqm.RqmParams;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code starling privacy}: epsilon for a schedule, or the parameter that meets a target epsilon. */
@Command(name = "privacy", mixinStandardHelpOptions = true,
    footer = {"", "Examples:", "  ./starling privacy gaussian --noise-multiplier 1.0 --sampling-rate 0.01 \\", "      --steps 1000 --delta 1e-5", "  ./starling privacy rqm --levels 16 --keep-prob 0.25 --range-ratio 10 \\", "      --coordinates 100 --rounds 10 --delta 1e-5"},
    
    description = "Privacy accounting: what epsilon a schedule gives, or what parameter a target epsilon needs.",
    subcommands = {PrivacyCommand.Gaussian.class, PrivacyCommand.RqmCmd.class})
public final class PrivacyCommand implements Runnable {

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Options every accounting subcommand shares. */
  static final class Common {
    @Option(names = "--delta", required = true, paramLabel = "D", description = "Target delta, in (0, 1).")
    double delta;

    @Option(names = "--accountant", paramLabel = "rdp|pld", defaultValue = "rdp",
        description = "rdp (Renyi DP, fast) or pld (privacy-loss distribution, tight). Default: ${DEFAULT-VALUE}.")
    String accountant;

    @Option(names = "--discretization", paramLabel = "H", defaultValue = "1e-4",
        description = "PLD loss-grid spacing. Default: ${DEFAULT-VALUE}.")
    double interval;

    @Option(names = "--target-epsilon", paramLabel = "E",
        description = "Calibrate the parameter left out to meet this epsilon.")
    Double target;

    @Option(names = "--json", description = "Print one JSON object instead of a statement.")
    boolean json;

    Accounting.Kind kind() {
      return switch (accountant.toLowerCase(Locale.ROOT)) {
        case "rdp" -> Accounting.Kind.RDP;
        case "pld" -> Accounting.Kind.PLD;
        default -> throw new UsageException("--accountant: '" + accountant + "' is not one of rdp, pld");
      };
    }

    void validate() {
      if (!(delta > 0 && delta < 1)) {
        throw new UsageException("--delta: " + delta + " is out of range (allowed: 0 < delta < 1)");
      }
      if (!(interval > 0 && interval < 1)) {
        throw new UsageException("--discretization: " + interval + " is out of range (allowed: 0 < H < 1)");
      }
      if (target != null && !(target > 0) || target != null && target.isInfinite()) {
        throw new UsageException("--target-epsilon: " + target + " is out of range (allowed: > 0)");
      }
      kind();
    }
  }

  static void print(PrintWriter out, Common c, Map<String, Object> json, String statement) {
    if (c.json) {
      try {
        out.println(new ObjectMapper().writeValueAsString(json));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    } else {
      out.println(statement);
    }
    out.flush();
  }

  static String num(double v) {
    return Double.isInfinite(v) ? "infinity" : String.format(Locale.ROOT, "%.4g", v);
  }

  /** {@code privacy gaussian}. */
  @Command(name = "gaussian", mixinStandardHelpOptions = true,
      footer = {"", "Examples:", "  ./starling privacy gaussian --noise-multiplier 1.0 --sampling-rate 0.01 \\", "      --steps 1000 --delta 1e-5",
          "  ./starling privacy gaussian --target-epsilon 1 --sampling-rate 0.01 --steps 1000 \\", "      --delta 1e-5 --accountant pld",
          "  ./starling privacy gaussian --noise-multiplier 1.2 --sampling fixed \\", "      --sampling-rate 0.1 --steps 60 --delta 1e-5"},
      description = "The (Poisson-subsampled) Gaussian mechanism, as in DP-SGD or DP-FedAvg.")
  static final class Gaussian implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Common common = new Common();

    @Option(names = "--noise-multiplier", paramLabel = "S",
        description = "Noise standard deviation over the L2 sensitivity (clipping norm). Omit with --target-epsilon.")
    Double sigma;

    @Option(names = "--sampling-rate", paramLabel = "Q", defaultValue = "1",
        description = "Sampling rate per step, in (0, 1]: the Poisson inclusion probability, or the sample size over"
            + " the population for --sampling fixed. Default: ${DEFAULT-VALUE} (no sampling).")
    double q;

    @Option(names = "--sampling", paramLabel = "poisson|fixed", defaultValue = "poisson",
        description = "poisson (each unit independently; add-or-remove-one neighbours) or fixed (a fixed-size sample"
            + " without replacement, as server.sampler = fixed or fraction; replace-one neighbours, RDP accountant)."
            + " Default: ${DEFAULT-VALUE}.")
    String samplingName;

    @Option(names = "--steps", required = true, paramLabel = "T", description = "Number of steps (rounds).")
    long steps;

    @Override
    public Integer call() {
      common.validate();
      if (!(q > 0 && q <= 1)) {
        throw new UsageException("--sampling-rate: " + q + " is out of range (allowed: 0 < Q <= 1)");
      }
      if (steps < 1) {
        throw new UsageException("--steps: " + steps + " is out of range (allowed: >= 1)");
      }
      if (sigma == null && common.target == null) {
        throw new UsageException("--noise-multiplier is required unless --target-epsilon is given");
      }
      if (sigma != null && common.target != null) {
        throw new UsageException("--noise-multiplier and --target-epsilon exclude each other: leave out the parameter to calibrate");
      }
      if (sigma != null && !(sigma >= 0)) {
        throw new UsageException("--noise-multiplier: " + sigma + " is out of range (allowed: >= 0)");
      }
      Accounting.Sampling sampling = switch (samplingName.toLowerCase(Locale.ROOT)) {
        case "poisson" -> Accounting.Sampling.POISSON;
        case "fixed" -> Accounting.Sampling.FIXED_SIZE;
        default -> throw new UsageException("--sampling: '" + samplingName + "' is not one of poisson, fixed");
      };
      if (sampling == Accounting.Sampling.FIXED_SIZE && q < 1 && common.kind() == Accounting.Kind.PLD) {
        throw new UsageException("--sampling fixed: the pld accountant has no proven dominating pair for fixed-size"
            + " sampling (replace-one); use --accountant rdp or --sampling poisson");
      }
      double s;
      Accounting.Result r;
      try {
        if (sigma == null) {
          Calibration.Calibrated cal = Calibration.gaussianNoise(common.target, q, steps, common.delta, common.kind(),
              common.interval, sampling);
          s = cal.value();
          r = cal.result();
        } else {
          s = sigma;
          r = s == 0 ? new Accounting.Result(Double.POSITIVE_INFINITY, common.delta, common.kind(), Double.NaN)
              : Accounting.gaussian(s, q, steps, common.delta, common.kind(), common.interval, sampling);
        }
      } catch (IllegalArgumentException e) { // limits of the accountants: what to change, in one line
        throw new UsageException((sigma == null ? "--target-epsilon " + common.target : "--steps " + steps) + ": "
            + e.getMessage());
      }
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("epsilon", r.epsilon());
      j.put("delta", r.delta());
      j.put("accountant", common.kind().name().toLowerCase(Locale.ROOT));
      j.put("mechanism", "gaussian");
      if (common.kind() == Accounting.Kind.RDP) {
        j.put("order", r.order());
      } else {
        j.put("discretization", common.interval);
      }
      j.put("noise_multiplier", s);
      j.put("sampling_rate", q);
      j.put("steps", steps);
      j.put("calibrated", common.target != null ? "noise_multiplier" : null);
      j.put("neighbouring_relation", sampling.relation);
      j.put("sampling", q < 1 ? sampling.label : "none");
      String how = common.kind() == Accounting.Kind.RDP
          ? "Renyi DP, optimal order " + num(r.order()) + ", converted with Canonne-Kamath-Steinke 2020"
          : "privacy-loss distribution, pessimistic connect-the-dots discretization " + num(common.interval);
      String statement = String.join("\n",
          "(epsilon, delta) = (" + num(r.epsilon()) + ", " + num(common.delta) + ")-DP",
          (common.target != null ? "  calibrated: noise multiplier " + num(s) + " meets epsilon " + num(common.target) + "\n" : "")
              + "  mechanism:   Gaussian, noise std = " + num(s) + " x the L2 clipping norm",
          "  schedule:    " + steps + " steps, " + (q >= 1 ? "every unit in every step"
              : sampling == Accounting.Sampling.POISSON
                  ? "each unit included independently with probability " + num(q) + " (Poisson sampling)"
                  : "a fixed-size sample of " + num(q) + " of the units, drawn without replacement"),
          sampling == Accounting.Sampling.POISSON
              ? "  neighbours:  add or remove one unit (one example in DP-SGD, one client in DP-FedAvg)"
              : "  neighbours:  replace one unit (the population size is public); the sum moves by up to 2x the clip",
          "  accountant:  " + how);
      print(spec.commandLine().getOut(), common, j, statement);
      return 0;
    }
  }

  /** {@code privacy rqm}. */
  @Command(name = "rqm", mixinStandardHelpOptions = true,
      footer = {"", "Examples:",
          "  ./starling privacy rqm --levels 16 --keep-prob 0.25 --range-ratio 10 \\", "      --coordinates 100 --rounds 10 --delta 1e-5",
          "  ./starling privacy rqm --levels 16 --keep-prob 0.25 --coordinates 7850 --rounds 40 \\", "      --delta 1e-5 --target-epsilon 8"
              + " --aggregate-clients 50"},
      description = "The Randomized Quantization Mechanism applied to every coordinate of a client's clipped update.")
  static final class RqmCmd implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    Common common = new Common();

    @Option(names = "--levels", required = true, paramLabel = "M", description = "Quantization levels m (>= 2).")
    int levels;

    @Option(names = "--keep-prob", paramLabel = "Q",
        description = "Probability an interior level is kept, in (0, 1); ignored when M = 2. Omit with --target-epsilon to calibrate it.")
    Double keepProb;

    @Option(names = "--range-ratio", paramLabel = "R",
        description = "Delta/c: range extension over clipping bound (> 0). Omit with --target-epsilon to calibrate it.")
    Double ratio;

    @Option(names = "--coordinates", required = true, paramLabel = "D", description = "Coordinates per message.")
    long coordinates;

    @Option(names = "--rounds", required = true, paramLabel = "T", description = "Messages (rounds) per client.")
    long rounds;

    @Option(names = "--sampling-rate", paramLabel = "Q2", defaultValue = "1",
        description = "Fraction of clients sampled per round, without replacement. Default: ${DEFAULT-VALUE}.")
    double q2;

    @Option(names = "--aggregate-clients", paramLabel = "N", defaultValue = "0",
        description = "The server sees only the sum of N clients' outputs (secure aggregation): epsilon is the"
            + " aggregate's, epsilon_local the guarantee without it. RDP only. Default: ${DEFAULT-VALUE} (local DP).")
    int aggregateClients;

    @Override
    public Integer call() {
      common.validate();
      if (levels < 2 || levels > dev.starling.privacy.rqm.RqmAnalysis.MAX_LEVELS) {
        throw new UsageException("--levels: " + levels + " is out of range (allowed: 2.."
            + dev.starling.privacy.rqm.RqmAnalysis.MAX_LEVELS + "; the exact analysis costs levels^3)");
      }
      if (coordinates < 1) {
        throw new UsageException("--coordinates: " + coordinates + " is out of range (allowed: >= 1)");
      }
      if (rounds < 1) {
        throw new UsageException("--rounds: " + rounds + " is out of range (allowed: >= 1)");
      }
      if (!(q2 > 0 && q2 <= 1)) {
        throw new UsageException("--sampling-rate: " + q2 + " is out of range (allowed: 0 < Q2 <= 1)");
      }
      if (ratio != null && !(ratio > 0)) {
        throw new UsageException("--range-ratio: " + ratio + " is out of range (allowed: > 0)");
      }
      if (aggregateClients < 0 || aggregateClients > 1_000_000) {
        throw new UsageException("--aggregate-clients: " + aggregateClients + " is out of range (allowed: 0..1000000)");
      }
      if (aggregateClients > 0 && common.kind() != Accounting.Kind.RDP) {
        throw new UsageException("--aggregate-clients: the aggregate is accounted with --accountant rdp only");
      }
      if (aggregateClients > 0 && common.target != null && (ratio != null || levels > 2 && keepProb == null)) {
        throw new UsageException("--aggregate-clients with --target-epsilon calibrates --range-ratio only: give --keep-prob"
            + " and leave out --range-ratio");
      }
      boolean needKeep = levels > 2;
      if (keepProb != null && needKeep && !(keepProb > 0 && keepProb < 1)) {
        throw new UsageException("--keep-prob: " + keepProb + " is out of range (allowed: 0 < Q < 1"
            + (keepProb == 1 ? "; 1 with " + levels + " levels gives infinite privacy loss)" : ")"));
      }
      String calibrated = null;
      double kp = needKeep && keepProb != null ? keepProb : 0.5;
      double rr = ratio == null ? Double.NaN : ratio;
      Accounting.Result r;
      try {
        if (common.target != null && aggregateClients > 0) {
          r = null; // calibrated for the aggregate below
          calibrated = "range_ratio";
        } else if (common.target != null) {
          if (ratio == null && (!needKeep || keepProb != null)) {
            Calibration.Calibrated cal = Calibration.rqmRangeRatio(common.target, levels, kp, coordinates, rounds, q2,
                common.delta, common.kind(), common.interval);
            rr = cal.value();
            r = cal.result();
            calibrated = "range_ratio";
          } else if (needKeep && keepProb == null && ratio != null) {
            Calibration.Calibrated cal = Calibration.rqmKeepProb(common.target, levels, rr, coordinates, rounds, q2,
                common.delta, common.kind(), common.interval);
            kp = cal.value();
            r = cal.result();
            calibrated = "keep_prob";
          } else {
            throw new UsageException("--target-epsilon calibrates exactly one left-out parameter: omit either --keep-prob or --range-ratio");
          }
        } else {
          if (ratio == null) {
            throw new UsageException("--range-ratio is required unless --target-epsilon is given");
          }
          if (needKeep && keepProb == null) {
            throw new UsageException("--keep-prob is required with more than 2 levels unless --target-epsilon is given");
          }
          r = Accounting.rqm(RqmParams.ofRatio(levels, kp, rr), coordinates, rounds, q2, common.delta, common.kind(),
              common.interval);
        }
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      if (aggregateClients > 0 && common.target != null) {
        try {
          rr = Calibration.rqmRangeRatioAggregate(common.target, levels, kp, coordinates, rounds, q2, aggregateClients,
              common.delta).value();
        } catch (IllegalArgumentException e) {
          throw new UsageException(e.getMessage());
        }
      }
      RqmParams p = RqmParams.ofRatio(levels, kp, rr);
      double pure = new RqmAnalysis(p).pureEpsilon();
      Accounting.Result local = aggregateClients > 0 && common.target != null
          ? Accounting.rqm(p, coordinates, rounds, q2, common.delta, Accounting.Kind.RDP, common.interval) : r;
      dev.starling.privacy.rqm.AggregateRqm sum = null;
      if (aggregateClients > 0) {
        sum = new dev.starling.privacy.rqm.AggregateRqm(p, aggregateClients);
        r = Accounting.rqmAggregate(sum, coordinates, rounds, q2, common.delta);
      }
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("epsilon", r.epsilon());
      if (sum != null) {
        j.put("epsilon_local", local.epsilon());
        j.put("aggregate_clients", aggregateClients);
        j.put("aggregate_clients_analysed", sum.othersAnalysed() + 1);
      }
      j.put("delta", r.delta());
      j.put("accountant", common.kind().name().toLowerCase(Locale.ROOT));
      j.put("mechanism", "rqm");
      if (common.kind() == Accounting.Kind.RDP) {
        j.put("order", r.order());
      } else {
        j.put("discretization", common.interval);
      }
      j.put("levels", levels);
      j.put("keep_prob", levels == 2 ? null : kp);
      j.put("range_ratio", rr);
      j.put("coordinates", coordinates);
      j.put("rounds", rounds);
      j.put("sampling_rate", q2);
      j.put("pure_epsilon_per_coordinate", pure);
      j.put("bits_per_coordinate", p.bitsPerCoordinate());
      j.put("calibrated", calibrated);
      j.put("neighbouring_relation", "replace-one");
      String statement = String.join("\n",
          "(epsilon, delta) = (" + num(r.epsilon()) + ", " + num(common.delta) + ")-DP for each client"
              + (sum == null ? "" : " against a server that sees only the sum (" + num(local.epsilon())
                  + " if it sees each update)"),
          (calibrated != null ? "  calibrated: " + calibrated.replace('_', '-') + " = " + num("keep_prob".equals(calibrated) ? kp : rr)
              + " meets epsilon " + num(common.target) + "\n" : "")
              + "  mechanism:   RQM, " + levels + " levels" + (levels > 2 ? ", interior levels kept with probability " + num(kp) : "")
              + ", Delta/c = " + num(rr) + " (" + p.bitsPerCoordinate() + " bits per coordinate; pure epsilon " + num(pure) + " per coordinate)",
          "  schedule:    " + coordinates + " coordinates per message, " + rounds + " rounds"
              + (q2 < 1 ? ", client sampled without replacement with ratio " + num(q2) + " per round" : ", client in every round"),
          sum == null ? "  neighbours:  replace one client's update by any other (local DP: no trust in the server)"
              : "  neighbours:  replace one client's update by any other; the server sees each coordinate's sum over "
                  + aggregateClients + " clients (secure aggregation), the others' inputs worst case"
                  + (sum.othersAnalysed() + 1 < aggregateClients ? " (analysed as " + (sum.othersAnalysed() + 1)
                      + " clients, an upper bound: more clients only hide one better)" : ""),
          "  accountant:  " + (common.kind() == Accounting.Kind.RDP
              ? "Renyi DP, exact supremum over input pairs, optimal order " + num(r.order())
              : "privacy-loss distribution of the worst input pairs, discretization " + num(common.interval)));
      print(spec.commandLine().getOut(), common, j, statement);
      return 0;
    }
  }
}
