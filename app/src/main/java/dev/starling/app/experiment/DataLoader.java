package dev.starling.app.experiment;

import dev.starling.app.config.SimConfig;
import dev.starling.node.data.CsvReader;
import dev.starling.node.data.DataFormatException;
import dev.starling.node.data.Dataset;
import dev.starling.node.data.DatasetFetcher;
import dev.starling.node.data.IdxReader;
import dev.starling.node.data.ImageFolderReader;
import dev.starling.node.data.ImageDataset;
import dev.starling.node.data.LeafJsonReader;
import dev.starling.node.data.NumpyDatasets;
import dev.starling.app.config.ConfigError;
import dev.starling.node.data.NodeShards;
import dev.starling.node.data.SyntheticLeaf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Loads (and if allowed fetches) the train and test sets a config names. */
public final class DataLoader {

  /** Train and test data with a hash identifying their content, for provenance. */
  /**
   * A run's data: the training set (built on first use), the test set, their digest, and where the
   * training data belongs to nodes and can be built per node, those shards (else null).
   */
  public record Loaded(java.util.function.Supplier<Dataset> trainData, Dataset test, String sha256, NodeShards shards) {
    public Loaded(Dataset train, Dataset test, String sha256) {
      this(() -> train, test, sha256, null);
    }

    /** The whole training set (generated data is built on the first call). */
    public Dataset train() {
      return trainData.get();
    }

    /** The training set's name, without building it. */
    public String trainName() {
      return shards != null ? shards.name() : train().name();
    }

    /** Training samples in all, without building them. */
    public long trainSize() {
      return shards != null ? shards.totalSamples() : train().size();
    }
  }

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
      case "csv" -> {
        CsvReader.Split split = CsvReader.read(d.files().train(), d.files().test(), d.files().labelColumn(),
            d.files().groupColumn());
        yield new Loaded(split.train(), split.test(), filesHash(d.files()));
      }
      case "npy" -> {
        NumpyDatasets.Split split = NumpyDatasets.read(d.files().train(), d.files().test());
        yield normalized(d, split.train(), split.test(), filesHash(d.files()));
      }
      case "image-folder" -> {
        ImageFolderReader.Split split = ImageFolderReader.read(d.files().train(), d.files().test());
        yield normalized(d, split.train(), split.test(), filesHash(d.files()));
      }
      default -> throw new IllegalStateException(d.dataset());
    };
  }

  private static Loaded synthetic(SimConfig cfg) {
    SimConfig.Synthetic s = cfg.data().synthetic();
    SyntheticLeaf.Params p = new SyntheticLeaf.Params(s.alpha(), s.beta(), cfg.clients(), s.dimension(), s.classes(),
        s.meanSamples(), s.sigmaSamples(), 4, s.testFraction(), cfg.seed(), s.testDevices());
    String id = "synthetic " + p;
    Dataset[] train = new Dataset[1];
    java.util.function.Supplier<Dataset> whole = () -> {
      synchronized (train) {
        if (train[0] == null) {
          try {
            train[0] = SyntheticLeaf.generate(p).train();
          } catch (IllegalArgumentException e) {
            throw new ConfigError("config key 'clients.count': " + cfg.clients() + " devices: " + e.getMessage());
          }
        }
        return train[0];
      }
    };
    return new Loaded(whole, SyntheticLeaf.test(p), DatasetFetcher.sha256(id.getBytes(StandardCharsets.UTF_8)),
        SyntheticLeaf.devices(p));
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
    return normalized(d, train, test, hash);
  }

  /** Image bytes standardized with the training set's statistics (both splits) when data.normalize = standard. */
  private static Loaded normalized(SimConfig.Data d, Dataset train, Dataset test, String hash) {
    if (d.normalize().equals("standard") && train instanceof ImageDataset tr && test instanceof ImageDataset te) {
      double[] st = tr.pixelStats();
      return new Loaded(tr.standardized(st[0], st[1]), te.standardized(st[0], st[1]), hash);
    }
    return new Loaded(train, test, hash);
  }

  /** The content hash of a user's files (every file of a directory, in path order). */
  private static String filesHash(SimConfig.Files f) {
    StringBuilder sb = new StringBuilder();
    for (Path root : List.of(f.train(), f.test())) {
      try (java.util.stream.Stream<Path> s = Files.walk(root)) {
        for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
          sb.append(root.relativize(p).toString().replace('\\', '/')).append(' ').append(DatasetFetcher.sha256(p)).append('\n');
        }
      } catch (java.io.IOException e) {
        throw new DataFormatException(root + ": cannot read (" + e.getMessage() + ")");
      }
      sb.append("--\n");
    }
    return DatasetFetcher.sha256(sb.toString().getBytes(StandardCharsets.UTF_8));
  }
}
