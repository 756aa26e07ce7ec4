package dev.starling.app.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed, validated reads from a resolved config. Every failure is a {@link ConfigError} whose
 * message names the key, the offending value and what is allowed.
 */
public final class StrictConfig {

  private final Config config;

  public StrictConfig(Config config) {
    this.config = config;
  }

  public Config raw() {
    return config;
  }

  /** Fails on the first key of {@code user} that {@code defaults} does not define. */
  public static void rejectUnknownKeys(Config user, Config defaults, String source) {
    Set<String> allowed = leafPaths(defaults.root(), "");
    Set<String> freeForm = emptyObjects(defaults.root(), "");
    for (String key : leafPaths(user.root(), "")) {
      if (!allowed.contains(key) && freeForm.stream().noneMatch(f -> key.startsWith(f + "."))) {
        String hint = closest(key, allowed);
        throw new ConfigError("unknown config key '" + key + "' in " + source
            + (hint == null ? "" : " (did you mean '" + hint + "'?)") + "; see docs/reference/config.md");
      }
    }
  }

  /** Paths of the objects the defaults leave empty ({@code model.options}): the user's keys under them are free-form. */
  static Set<String> emptyObjects(ConfigObject obj, String prefix) {
    Set<String> out = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().valueType() == ConfigValueType.OBJECT) {
        ConfigObject child = (ConfigObject) e.getValue();
        if (child.isEmpty()) {
          out.add(path);
        } else {
          out.addAll(emptyObjects(child, path));
        }
      }
    }
    return out;
  }

  /** Leaf paths including null-valued ones, sorted; lists count as leaves. */
  static Set<String> leafPaths(ConfigObject obj, String prefix) {
    Set<String> out = new TreeSet<>();
    for (Map.Entry<String, ConfigValue> e : obj.entrySet()) {
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().valueType() == ConfigValueType.OBJECT) {
        out.addAll(leafPaths((ConfigObject) e.getValue(), path));
      } else {
        out.add(path);
      }
    }
    return out;
  }

  private static String closest(String key, Set<String> allowed) {
    String best = null;
    int bestD = Integer.MAX_VALUE;
    for (String a : allowed) {
      int d = editDistance(key, a);
      if (d < bestD) {
        bestD = d;
        best = a;
      }
    }
    return bestD <= Math.max(2, key.length() / 4) ? best : null;
  }

  private static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  public boolean isSet(String key) {
    return config.hasPath(key);
  }

  private String shown(String key) {
    try {
      ConfigValue v = config.getValue(key);
      Object u = v.unwrapped();
      return u instanceof String s ? "'" + s + "'" : String.valueOf(u);
    } catch (ConfigException e) {
      return "(missing)";
    }
  }

  private ConfigError wrong(String key, String expected) {
    return new ConfigError("config key '" + key + "': " + shown(key) + " is not " + expected);
  }

  public String string(String key) {
    try {
      return config.getString(key);
    } catch (ConfigException.Missing e) {
      throw new ConfigError("config key '" + key + "' is required but not set");
    } catch (ConfigException.WrongType e) {
      throw wrong(key, "a string");
    }
  }

  /** The string value, or null when the key is unset or null. */
  public String optionalString(String key) {
    return config.hasPath(key) ? string(key) : null;
  }

  public String choice(String key, String... allowed) {
    String v = string(key).toLowerCase(Locale.ROOT);
    for (String a : allowed) {
      if (a.equals(v)) {
        return v;
      }
    }
    throw new ConfigError("config key '" + key + "': '" + string(key) + "' is not one of " + String.join(", ", allowed));
  }

  public boolean bool(String key) {
    try {
      return config.getBoolean(key);
    } catch (ConfigException.WrongType e) {
      throw wrong(key, "true or false");
    }
  }

  public int integer(String key, long min, long max) {
    long v;
    try {
      Number n = config.getNumber(key);
      double d = n.doubleValue();
      if (d != Math.rint(d) || Double.isInfinite(d)) {
        throw wrong(key, "an integer");
      }
      v = n.longValue();
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw wrong(key, "an integer");
    }
    if (v < min || v > max) {
      throw new ConfigError("config key '" + key + "': " + v + " is out of range (allowed " + range(min, max) + ")");
    }
    return (int) v;
  }

  public long longValue(String key) {
    try {
      Number n = config.getNumber(key);
      if (n.doubleValue() != Math.rint(n.doubleValue())) {
        throw wrong(key, "an integer");
      }
      return n.longValue();
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw wrong(key, "an integer");
    }
  }

  /** A number in [min, max] (bounds inclusive unless {@code openMin}). */
  public double number(String key, double min, boolean openMin, double max) {
    double v;
    try {
      v = config.getDouble(key);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw wrong(key, "a number");
    }
    boolean ok = !Double.isNaN(v) && (openMin ? v > min : v >= min) && v <= max;
    if (!ok) {
      String lo = (openMin ? "> " : ">= ") + fmt(min);
      String hi = max == Double.MAX_VALUE ? "" : " and <= " + fmt(max);
      throw new ConfigError("config key '" + key + "': " + fmt(v) + " is out of range (allowed " + lo + hi + ")");
    }
    return v;
  }

  public int[] intList(String key, int min) {
    List<Integer> l;
    try {
      l = config.getIntList(key);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw wrong(key, "a list of integers");
    }
    int[] out = new int[l.size()];
    for (int i = 0; i < out.length; i++) {
      if (l.get(i) < min) {
        throw new ConfigError("config key '" + key + "': element " + l.get(i) + " is below " + min);
      }
      out[i] = l.get(i);
    }
    return out;
  }

  private static String range(long min, long max) {
    List<String> parts = new ArrayList<>();
    parts.add(">= " + min);
    if (max != Integer.MAX_VALUE && max != Long.MAX_VALUE) {
      parts.add("<= " + max);
    }
    return String.join(" and ", parts);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
