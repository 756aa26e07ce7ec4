package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.node.data.DataFormatException;
import dev.starling.node.data.Dataset;
import dev.starling.node.data.DatasetFetcher;
import dev.starling.node.data.IdxReader;
import dev.starling.node.data.ImageDataset;
import dev.starling.node.data.LeafJsonReader;
import dev.starling.node.data.SyntheticLeaf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Loads (and if allowed fetches) the train and test sets a config names. */
public final class DataLoader {

  /** Train and test data with a hash identifying their content, for provenance. */
  public record Loaded(Dataset train, Dataset test, String sha256) {}

  private DataLoader() {}

  public static Loaded load(SimConfig cfg, Consumer<String> log) {
    SimConfig.Data d = cfg.data();
    return switch (d.dataset()) {
      case "synthetic" -> synthetic(cfg);
      case "mnist", "fashion-mnist" -> idx(d, log);
      case "leaf" -> {
        Dataset train = LeafJsonReader.read("leaf/train", d.leaf().train(), d.leaf().classes());
        Dataset test = LeafJsonReader.read("leaf/test", d.leaf().test(),
            d.leaf().classes() > 0 ? d.leaf().classes() : train.numClasses());
        if (test.featureLength() != train.featureLength()) {
          throw new DataFormatException("LEAF test features have length " + test.featureLength()
              + " but train features " + train.featureLength());
        }
        yield new Loaded(train, test, DatasetFetcher.sha256(
            (d.leaf().train().toAbsolutePath() + "|" + d.leaf().test().toAbsolutePath()).getBytes(StandardCharsets.UTF_8)));
      }
      default -> throw new IllegalStateException(d.dataset());
    };
  }

  private static Loaded synthetic(SimConfig cfg) {
    SimConfig.Synthetic s = cfg.data().synthetic();
    SyntheticLeaf.Params p = new SyntheticLeaf.Params(s.alpha(), s.beta(), cfg.clients(), s.dimension(), s.classes(),
        s.meanSamples(), s.sigmaSamples(), 4, s.testFraction(), cfg.seed());
    SyntheticLeaf.Split split = SyntheticLeaf.generate(p);
    String id = "synthetic " + p;
    return new Loaded(split.train(), split.test(), DatasetFetcher.sha256(id.getBytes(StandardCharsets.UTF_8)));
  }

  private static Loaded idx(SimConfig.Data d, Consumer<String> log) {
    DatasetFetcher.Source src = DatasetFetcher.source(d.dataset());
    Path dir = d.dir();
    if (!DatasetFetcher.isPresent(src, dir)) {
      if (!d.fetch()) {
        throw new DataFormatException("dataset " + d.dataset() + " is not in " + src.dir(dir)
            + " and data.fetch = false; run ./starling data fetch " + d.dataset() + " --data-dir " + dir);
      }
      log.accept("dataset " + d.dataset() + " not found in " + src.dir(dir) + "; fetching it");
      try {
        DatasetFetcher.fetch(src, dir, log);
      } catch (DataFormatException e) {
        throw new DataFormatException(e.getMessage() + "; when online run ./starling data fetch " + d.dataset()
            + " --data-dir " + dir + ", or copy the files (" + String.join(", ", src.sha256().keySet()) + ") into "
            + src.dir(dir));
      }
    }
    String hash = DatasetFetcher.verify(src, dir);
    String suffix = d.dataset().equals("mnist") ? "" : ".gz";
    Path base = src.dir(dir);
    ImageDataset train = IdxReader.images(d.dataset() + "/train", base.resolve("train-images-idx3-ubyte" + suffix),
        base.resolve("train-labels-idx1-ubyte" + suffix), 10);
    ImageDataset test = IdxReader.images(d.dataset() + "/test", base.resolve("t10k-images-idx3-ubyte" + suffix),
        base.resolve("t10k-labels-idx1-ubyte" + suffix), 10);
    if (d.normalize().equals("standard")) { // both splits with the training set's statistics
      double[] st = train.pixelStats();
      return new Loaded(train.standardized(st[0], st[1]), test.standardized(st[0], st[1]), hash);
    }
    return new Loaded(train, test, hash);
  }
}
