import { describe, expect, it } from "vitest";
import { EXAMPLES, profileFor } from "../src/examples";
import { LANGS } from "../src/i18n/i18n";

describe("examples", () => {
  it("has the four starters, each in both languages", () => {
    expect(EXAMPLES.map((e) => e.id)).toEqual(["hello", "guess", "turtle", "plot"]);
    for (const example of EXAMPLES) {
      for (const lang of LANGS) expect(example.code[lang].trim(), `${example.id} ${lang}`).not.toBe("");
    }
  });

  it("runs the plot with the data profile and the others with the basic one", () => {
    const profiles = Object.fromEntries(EXAMPLES.map((e) => [e.id, profileFor(e.code.en)]));
    expect(profiles).toEqual({
      hello: "python-basic",
      guess: "python-basic",
      turtle: "python-basic",
      plot: "python-data",
    });
  });

  it("spots data libraries in any import form", () => {
    expect(profileFor("import numpy as np")).toBe("python-data");
    expect(profileFor("import os, pandas")).toBe("python-data");
    expect(profileFor("from matplotlib import pyplot")).toBe("python-data");
    expect(profileFor("  import matplotlib.pyplot as plt")).toBe("python-data");
    expect(profileFor("# import numpy\nprint('numpy')")).toBe("python-basic");
    expect(profileFor("import numpyish")).toBe("python-basic");
  });
});
