package dev.starling.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Quantized update transfers in FL: fewer bytes charged, learning intact. */
class CodecTrainingTest {

  @TempDir Path dir;

  private Csv.Row last(String codec) throws IOException {
    Path out = dir.resolve(codec);
    Cli.Result r = Cli.run("simulate", Cli.CONFIGS.resolve("fl-synthetic.conf").toString(), "--out", out.toString(),
        "--quiet", "--set", "rounds=8", "--set", "codec=" + codec);
    assertEquals(0, r.exitCode(), r.err());
    return Csv.last(out.resolve("metrics.csv"));
  }

  @Test
  void e3m0AndInt8ShrinkUploadsAndStillLearn() throws IOException {
    Csv.Row fp32 = last("fp32");
    Csv.Row int8 = last("int8");
    Csv.Row e3m0 = last("e3m0");
    double up32 = fp32.num("bytes_up");
    double ratio8 = int8.num("bytes_up") / up32;
    double ratio4 = e3m0.num("bytes_up") / up32;
    // payloads of 8.25 and 4.25 bits per value against 32, plus envelope overhead
    assertTrue(ratio8 > 0.24 && ratio8 < 0.30, "int8/fp32 upload " + ratio8);
    assertTrue(ratio4 > 0.12 && ratio4 < 0.17, "e3m0/fp32 upload " + ratio4);
    assertEquals(fp32.num("accuracy"), e3m0.num("accuracy"), 0.05, "accuracy within 5 points");
    assertEquals(fp32.get("bytes_down"), e3m0.get("bytes_down"), "same downloads: the global model still travels in FP32");
  }
}
