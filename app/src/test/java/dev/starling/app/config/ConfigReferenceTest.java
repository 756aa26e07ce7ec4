package dev.starling.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/** Every key the loader accepts is documented, with its default, in docs/reference/config.md. */
class ConfigReferenceTest {

  @Test
  void everyKeyIsDocumentedWithItsDefault() throws IOException {
    String doc = Files.readString(Paths.get("..", "docs", "reference", "config.md")).replace(" ", "");
    var defaults = ConfigLoader.defaults();
    for (String key : StrictConfig.leafPaths(defaults.root(), "")) {
      var v = defaults.getIsNull(key) ? null : defaults.getValue(key);
      String value = v == null ? "null"
          : v.valueType() == com.typesafe.config.ConfigValueType.STRING ? (String) v.unwrapped() : v.render(com.typesafe.config.ConfigRenderOptions.concise());
      String prefix = "|`" + key + "`|`";
      int at = doc.indexOf(prefix);
      assertTrue(at >= 0, "docs/reference/config.md has no row for " + key);
      String documented = doc.substring(at + prefix.length(), doc.indexOf('`', at + prefix.length()));
      if (v != null && v.valueType() == com.typesafe.config.ConfigValueType.NUMBER) {
        assertEquals(((Number) v.unwrapped()).doubleValue(), Double.parseDouble(documented), 0.0, key);
      } else {
        assertEquals(value.replace(" ", ""), documented, key);
      }
    }
  }
}
