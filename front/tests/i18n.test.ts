import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { codemirrorPhrasesZhCN } from "../src/i18n/codemirrorPhrases";
import { format, pickLanguage, translate } from "../src/i18n/i18n";
import { en, zhCN } from "../src/i18n/messages";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("UI messages", () => {
  it("has every key in both languages, and no extra ones", () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it("has no empty message in either language", () => {
    for (const table of [en, zhCN]) {
      for (const [key, text] of Object.entries(table)) {
        expect(text.trim(), key).not.toBe("");
      }
    }
  });

  it("uses the same placeholders in both languages", () => {
    for (const key of Object.keys(en) as Array<keyof typeof en>) {
      expect(placeholders(zhCN[key]), key).toEqual(placeholders(en[key]));
    }
  });

  it("really translates: Chinese text contains Chinese characters", () => {
    // Keys whose text is the same in every language on purpose.
    const sameEverywhere = new Set(["lang.en", "lang.zh-CN"]);
    for (const [key, text] of Object.entries(zhCN)) {
      if (sameEverywhere.has(key)) continue;
      expect(text, key).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe("CodeMirror phrases", () => {
  // Every phrase the installed CodeMirror packages ask for, found in their source.
  function phrasesUsedByCodeMirror(): Set<string> {
    const root = join(__dirname, "..", "node_modules", "@codemirror");
    const found = new Set<string>();
    for (const pkg of readdirSync(root)) {
      let source: string;
      try {
        source = readFileSync(join(root, pkg, "dist", "index.js"), "utf8");
      } catch {
        continue;
      }
      for (const call of source.matchAll(/phrase\(([^)]*)\)/g)) {
        for (const literal of call[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)) found.add(literal[1]);
      }
    }
    return found;
  }

  it("finds the phrases in CodeMirror's source (the scan itself works)", () => {
    const used = phrasesUsedByCodeMirror();
    expect(used.has("Find")).toBe(true);
    expect(used.has("Folded lines")).toBe(true);
    expect(used.size).toBeGreaterThan(20);
  });

  it("translates every phrase CodeMirror uses into Chinese", () => {
    const missing = [...phrasesUsedByCodeMirror()].filter((p) => !(p in codemirrorPhrasesZhCN));
    expect(missing).toEqual([]);
  });

  it("keeps the $ placeholder in phrases that have one", () => {
    for (const [phrase, text] of Object.entries(codemirrorPhrasesZhCN)) {
      expect(text.includes("$"), phrase).toBe(phrase.includes("$"));
    }
  });
});

describe("pickLanguage", () => {
  it("prefers the remembered choice", () => {
    expect(pickLanguage("en", ["zh-CN"])).toBe("en");
    expect(pickLanguage("zh-CN", ["en-US"])).toBe("zh-CN");
  });

  it("ignores a remembered value that is not a language we ship", () => {
    expect(pickLanguage("fr", ["zh-CN"])).toBe("zh-CN");
  });

  it("maps every Chinese browser language to Simplified Chinese", () => {
    for (const tag of ["zh", "zh-CN", "zh-Hans", "zh-TW", "zh-HK", "ZH-cn"]) {
      expect(pickLanguage(null, [tag]), tag).toBe("zh-CN");
    }
  });

  it("takes the first browser language it knows, else English", () => {
    expect(pickLanguage(null, ["fr-FR", "zh-CN", "en"])).toBe("zh-CN");
    expect(pickLanguage(null, ["de", "fr"])).toBe("en");
    expect(pickLanguage(null, [])).toBe("en");
  });
});

describe("format and translate", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(format("Took {seconds} s", { seconds: "0.03" })).toBe("Took 0.03 s");
    expect(format("Line {line} of {total}", { line: 3 })).toBe("Line 3 of {total}");
  });

  it("translates into the asked language", () => {
    expect(translate("en", "result.stats", { seconds: "1.00", memory: "9.0 MB" })).toBe(
      "Took 1.00 s · used 9.0 MB",
    );
    expect(translate("zh-CN", "result.stats", { seconds: "1.00", memory: "9.0 MB" })).toBe(
      "用时 1.00 秒 · 内存 9.0 MB",
    );
  });
});
