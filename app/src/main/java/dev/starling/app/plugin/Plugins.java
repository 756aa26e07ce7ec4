package dev.starling.app.plugin;

import dev.starling.app.config.ConfigError;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A user's jars given with {@code --plugin}: what they register ({@code AlgorithmFamily},
 * {@code ModelType}) joins Starling's registries. They are put on a
 * class loader over Starling's own, made this thread's context loader (which {@code ServiceLoader}
 * searches); members that {@code node local} starts get them on their class path.
 */
public final class Plugins {
  private static volatile List<Path> jars = List.of();

  private Plugins() {}

  /** Makes {@code paths} (jars or class directories) visible to the registries; nothing changes for none. */
  public static void install(List<Path> paths) {
    if (paths == null || paths.isEmpty()) {
      return;
    }
    List<URL> urls = new ArrayList<>();
    List<Path> all = new ArrayList<>(jars);
    for (Path p : paths) {
      if (!Files.isReadable(p) || !(Files.isDirectory(p) || p.getFileName().toString().endsWith(".jar"))) {
        throw new ConfigError("option '--plugin': '" + p + "' is not a readable .jar file or class directory");
      }
      try {
        urls.add(p.toUri().toURL());
      } catch (MalformedURLException e) {
        throw new ConfigError("option '--plugin': '" + p + "' cannot be loaded: " + e.getMessage());
      }
      all.add(p.toAbsolutePath());
    }
    Thread t = Thread.currentThread();
    t.setContextClassLoader(new URLClassLoader(urls.toArray(URL[]::new), t.getContextClassLoader()));
    jars = List.copyOf(all);
  }

  /** The plugin paths installed so far (absolute), for the class path of members started from here. */
  public static List<Path> jars() {
    return jars;
  }
}
