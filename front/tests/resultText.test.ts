import { describe, expect, it } from "vitest";
import { I18n } from "../src/i18n/i18n";
import { FINAL_STATUSES } from "../src/run/frames";
import { formatMemory, formatSeconds, resultMessageKey, resultStats } from "../src/run/resultText";

const i18nIn = (lang: "en" | "zh-CN") => new I18n({ load: () => lang, save: () => {} }, []);

describe("result text", () => {
  it("has a kid-level sentence for every final status, in both languages", () => {
    for (const status of FINAL_STATUSES) {
      const key = resultMessageKey(status);
      expect(key).toBe(`result.${status}`);
      expect(i18nIn("en").t(key)).not.toBe(i18nIn("zh-CN").t(key));
    }
  });

  it("says the limit in kid words", () => {
    const en = i18nIn("en");
    expect(en.t(resultMessageKey("timeout"))).toMatch(/too long/);
    expect(en.t(resultMessageKey("memory_limit"))).toMatch(/too much memory/);
    expect(en.t(resultMessageKey("output_limit"))).toMatch(/printed too much/);
    expect(i18nIn("zh-CN").t(resultMessageKey("timeout"))).toMatch(/时间太长/);
  });

  it("falls back for a status it doesn't know", () => {
    expect(resultMessageKey("exploded")).toBe("result.unknown");
  });

  it("formats time and memory for reading", () => {
    expect(formatSeconds(31)).toBe("0.03");
    expect(formatSeconds(2500)).toBe("2.50");
    expect(formatSeconds(12_345)).toBe("12.3");
    expect(formatMemory(512)).toBe("512 B");
    expect(formatMemory(900 * 1024)).toBe("900 KB");
    expect(formatMemory(9_437_184)).toBe("9.0 MB");
    expect(formatMemory(1.5 * 1024 ** 3)).toBe("1.5 GB");
  });

  it("builds the stats line from the result record", () => {
    expect(resultStats(i18nIn("en"), { status: "ok", wall_ms: 31, memory_peak_bytes: 9_437_184 })).toBe(
      "Took 0.03 s · used 9.0 MB",
    );
    expect(resultStats(i18nIn("zh-CN"), { status: "ok", wall_ms: 1200 })).toBe("用时 1.20 秒");
    expect(resultStats(i18nIn("en"), { status: "internal_error" })).toBeNull();
  });
});
