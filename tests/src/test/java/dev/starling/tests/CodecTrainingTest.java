package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quantized update transfers in FL: fewer bytes charged, learning intact. */
class CodecTrainingTest {

  @TempDir Path dir;

  private String[] last(String codec) throws IOException {
    Path out = dir.resolve(codec);
    Cli.Result r = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out", out.toString(),
        "--quiet", "--set", "rounds=8", "--set", "codec=" + codec);
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = Files.readAllLines(out.resolve("metrics.csv"));
    return lines.get(lines.size() - 1).split(",", -1);
  }

  @Test
  void e3m0AndInt8ShrinkUploadsAndStillLearn() throws IOException {
    String[] fp32 = last("fp32");
    String[] int8 = last("int8");
    String[] e3m0 = last("e3m0");
    double up32 = Double.parseDouble(fp32[8]);
    double ratio8 = Double.parseDouble(int8[8]) / up32;
    double ratio4 = Double.parseDouble(e3m0[8]) / up32;
    // payloads of 8.25 and 4.25 bits per value against 32, plus envelope overhead
    assertTrue(ratio8 > 0.24 && ratio8 < 0.30, "int8/fp32 upload " + ratio8);
    assertTrue(ratio4 > 0.12 && ratio4 < 0.17, "e3m0/fp32 upload " + ratio4);
    assertEquals(Double.parseDouble(fp32[2]), Double.parseDouble(e3m0[2]), 0.05, "accuracy within 5 points");
    assertEquals(fp32[9], e3m0[9], "same downloads: the global model still travels in FP32");
  }
}
