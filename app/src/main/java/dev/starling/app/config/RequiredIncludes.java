package dev.starling.app.config;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseable;
import java.io.File;

/**
 * Makes every {@code include} of a config file required: HOCON skips a missing include silently,
 * so a typo in its name would run the experiment without half of its settings. A missing one is
 * now an error naming it (Typesafe Config's {@code ConfigException.IO}, turned into one line).
 */
final class RequiredIncludes implements ConfigIncluder, ConfigIncluderFile {

  /** Reads no include at all: what a file sets itself. */
  static final ConfigIncluder SKIP = new ConfigIncluder() {
    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
      return this;
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
      return ConfigFactory.empty().root();
    }
  };

  private ConfigIncluder fallback;

  @Override
  public ConfigIncluder withFallback(ConfigIncluder fallback) {
    this.fallback = fallback;
    return this;
  }

  @Override
  public ConfigObject include(ConfigIncludeContext context, String what) {
    ConfigParseable p = context.relativeTo(what);
    if (p == null) {
      return fallback.include(context, what);
    }
    return p.parse(p.options().setAllowMissing(false));
  }

  @Override
  public ConfigObject includeFile(ConfigIncludeContext context, File what) {
    return ConfigFactory.parseFileAnySyntax(what, context.parseOptions().setAllowMissing(false)).root();
  }
}
