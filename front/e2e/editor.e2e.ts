// The kids' editor in Debian's Chromium against a real sandpit-server + runner
// (SANDPIT_URL). Every test runs a real program through the sandbox and checks what a
// kid would see. Screenshots go to SCREENSHOT_DIR (artifacts/screenshots by default).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  consoleText,
  editorText,
  launchBrowser,
  openEditor,
  pageErrors,
  PHONE,
  pressRun,
  runStateText,
  screenshot,
  setCode,
  waitForOutcome,
} from "./harness";

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

/** Opens the editor, runs the body, always closes the context, and checks for page errors. */
async function withEditor(
  options: Parameters<typeof openEditor>[1],
  body: (page: Page) => Promise<void>,
): Promise<void> {
  const { context, page } = await openEditor(browser, options);
  try {
    await body(page);
    expect(pageErrors(page)).toEqual([]);
  } finally {
    await context.close();
  }
}

/** Counts canvas pixels close to a colour. */
async function canvasPixels(page: Page, rgb: [number, number, number]): Promise<number> {
  return page.locator("#drawing-canvas").evaluate((canvas, target) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
    let count = 0;
    for (let i = 0; i < data.length; i += 4) {
      const close =
        Math.abs(data[i] - target[0]) < 60 &&
        Math.abs(data[i + 1] - target[1]) < 60 &&
        Math.abs(data[i + 2] - target[2]) < 60;
      if (close) count += 1;
    }
    return count;
  }, rgb);
}

describe("running programs", () => {
  it("shows the output of a program typed into the editor", async () => {
    await withEditor({}, async (page) => {
      expect(await runStateText(page)).toBe("Ready");
      await page.click(".cm-content");
      await page.keyboard.press("ControlOrMeta+A");
      await page.keyboard.press("Delete");
      // Typed key by key: auto-closing brackets and quotes must not double up.
      await page.keyboard.type('print("Hello from Sandpit", 6 * 7)');
      expect(await editorText(page)).toBe('print("Hello from Sandpit", 6 * 7)');
      await pressRun(page);
      expect(await waitForOutcome(page)).toBe("ok");
      expect(await consoleText(page)).toBe("Hello from Sandpit 42\n");
      const state = await runStateText(page);
      expect(state).toContain("Your program finished.");
      expect(state).toMatch(/Took \d+\.\d+ s/);
      await screenshot(page, "hello-desktop");
    });
  });

  it("answers two input() prompts in the console, with the answers kept in the transcript", async () => {
    await withEditor({}, async (page) => {
      await setCode(
        page,
        'name = input("What is your name? ")\nfood = input("Favourite food? ")\nprint("Hi", name, "- you like", food)\n',
      );
      await pressRun(page);
      const field = page.locator("#stdin-field");
      await page.locator(".console-input.asking").waitFor();
      // The field takes focus when the program asks.
      expect(await field.evaluate((el) => el === document.activeElement)).toBe(true);
      await expect.poll(() => consoleText(page)).toBe("What is your name? ");
      await page.keyboard.type("Mia");
      await page.keyboard.press("Enter");
      await expect.poll(() => consoleText(page)).toBe("What is your name? Mia\nFavourite food? ");
      await screenshot(page, "input-desktop");
      // Chinese text goes through unharmed.
      await field.fill("饺子");
      await field.press("Enter");
      expect(await waitForOutcome(page)).toBe("ok");
      expect(await consoleText(page)).toBe(
        "What is your name? Mia\nFavourite food? 饺子\nHi Mia - you like 饺子\n",
      );
      // The typed answers are styled as input, apart from the program's output.
      expect(await page.locator(".console-stdin").allTextContents()).toEqual(["Mia\n", "饺子\n"]);
      await expect.poll(() => page.locator("#console-input").isHidden()).toBe(true);
    });
  });

  it("does not send the answer when Enter confirms an input method's composition", async () => {
    await withEditor({}, async (page) => {
      await setCode(page, 'word = input("Say something: ")\nprint("You said", word)\n');
      await pressRun(page);
      await page.locator(".console-input.asking").waitFor();
      const field = page.locator("#stdin-field");
      // What a Chinese IME does: compose, Enter confirms the characters, composition ends.
      await field.evaluate((el) => {
        const input = el as HTMLInputElement;
        input.dispatchEvent(new CompositionEvent("compositionstart", { data: "" }));
        input.value = "你好";
        input.dispatchEvent(
          new KeyboardEvent("keydown", { key: "Enter", keyCode: 229, isComposing: true, bubbles: true }),
        );
        input.dispatchEvent(new CompositionEvent("compositionend", { data: "你好" }));
      });
      expect(await field.inputValue()).toBe("你好");
      expect(await page.locator(".console-stdin").count()).toBe(0);
      // The next Enter, outside composition, sends it.
      await field.press("Enter");
      expect(await waitForOutcome(page)).toBe("ok");
      expect(await consoleText(page)).toBe("Say something: 你好\nYou said 你好\n");
    });
  });

  it("stops an endless loop with the Stop button", async () => {
    await withEditor({}, async (page) => {
      await setCode(page, 'print("Going round and round")\nwhile True:\n    pass\n');
      await pressRun(page);
      await expect.poll(() => consoleText(page)).toBe("Going round and round\n");
      await expect.poll(() => page.locator("#stop").isEnabled()).toBe(true);
      await page.click("#stop");
      expect(await waitForOutcome(page)).toBe("cancelled");
      expect(await runStateText(page)).toContain("You stopped the program.");
      expect(await page.locator("#run").isEnabled()).toBe(true);
      expect(await page.locator("#stop").isDisabled()).toBe(true);
      await screenshot(page, "stopped-desktop");
    });
  });
});

describe("limits in kid language", () => {
  it("says the program printed too much", async () => {
    await withEditor({}, async (page) => {
      await setCode(page, 'while True:\n    print("All work and no play " * 5)\n');
      await pressRun(page);
      expect(await waitForOutcome(page)).toBe("output_limit");
      expect(await runStateText(page)).toContain("Your program printed too much");
    });
  });

  it("says the program used too much memory", async () => {
    await withEditor({ locale: "zh-CN" }, async (page) => {
      await setCode(page, 'boxes = []\nwhile True:\n    boxes.append("x" * 1_000_000)\n');
      await pressRun(page);
      expect(await waitForOutcome(page)).toBe("memory_limit");
      expect(await runStateText(page)).toContain("程序用了太多内存");
    });
  });

  it("says the program ran too long", async () => {
    await withEditor({}, async (page) => {
      await setCode(page, "import time\ntime.sleep(600)\n");
      await pressRun(page);
      expect(await waitForOutcome(page, 80_000)).toBe("timeout");
      expect(await runStateText(page)).toContain("Your program ran for too long");
    });
  });
});

describe("drawings and plots", () => {
  it("replays a turtle drawing on the canvas, and keeps it through a resize", async () => {
    await withEditor({}, async (page) => {
      await setCode(
        page,
        [
          "import turtle",
          "t = turtle.Turtle()",
          "t.hideturtle()",
          "t.pencolor('red')",
          "t.pensize(6)",
          "for side in range(4):",
          "    t.forward(200)",
          "    t.left(90)",
          "turtle.done()",
          "",
        ].join("\n"),
      );
      await pressRun(page);
      await page.locator("#drawing").waitFor();
      await page.selectOption("#drawing-speed", "instant");
      expect(await waitForOutcome(page)).toBe("ok");
      await expect.poll(() => canvasPixels(page, [255, 0, 0]), { timeout: 10_000 }).toBeGreaterThan(500);
      await screenshot(page, "turtle-desktop");
      // A narrower window: the canvas is resized and repainted from the kept ops.
      await page.setViewportSize(PHONE);
      await expect
        .poll(() => page.locator("#drawing-canvas").evaluate((c) => c.getBoundingClientRect().width))
        .toBeLessThan(360);
      await expect.poll(() => canvasPixels(page, [255, 0, 0])).toBeGreaterThan(200);
      await screenshot(page, "turtle-mobile");
    });
  });

  it("shows a matplotlib plot as an image in the console", async () => {
    await withEditor({}, async (page) => {
      await page.selectOption("#examples", "plot");
      expect(await editorText(page)).toContain("import matplotlib.pyplot as plt");
      await pressRun(page);
      expect(await waitForOutcome(page)).toBe("ok");
      const img = page.locator(".console-figure img").first();
      await img.waitFor();
      await expect
        .poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth))
        .toBeGreaterThan(100);
      expect(await img.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
      expect(await img.getAttribute("alt")).toBe("Picture 1 made by your program");
      await screenshot(page, "plot-desktop");
    });
  });
});

describe("friendly errors", () => {
  const buggy = 'score = 10\nprint("Your score is")\nprint(scroe)\n';

  it("explains a NameError in Chinese and marks the line", async () => {
    await withEditor({ locale: "zh-CN" }, async (page) => {
      // The browser's language picks Chinese.
      expect(await page.locator("#run span").textContent()).toBe("运行");
      await setCode(page, buggy);
      await pressRun(page);
      expect(await waitForOutcome(page)).toBe("error");
      const card = page.locator(".friendly-card");
      await card.waitFor();
      expect(await card.getAttribute("lang")).toBe("zh-CN");
      expect(await card.locator(".friendly-title").textContent()).toMatch(/[\u4e00-\u9fff]/);
      expect(await card.innerText()).toContain("第 3 行");
      // The raw traceback is one click away, not in the console.
      const details = card.locator("details");
      expect(await details.getAttribute("open")).toBeNull();
      await details.locator("summary").click();
      expect(await details.locator("pre").textContent()).toContain("NameError");
      expect(await consoleText(page)).toBe("Your score is\n");
      // The line is highlighted in the editor.
      expect(await page.locator(".cm-sp-error-line").allTextContents()).toEqual(["print(scroe)"]);
      await screenshot(page, "error-zh-CN-desktop");
    });
  });

  it("explains a NameError in English after switching the language", async () => {
    await withEditor({ locale: "zh-CN" }, async (page) => {
      await page.selectOption("#language", "en");
      expect(await page.locator("#run span").textContent()).toBe("Run");
      expect(await page.locator("html").getAttribute("lang")).toBe("en");
      await setCode(page, buggy);
      await pressRun(page);
      expect(await waitForOutcome(page)).toBe("error");
      const card = page.locator(".friendly-card");
      await card.waitFor();
      expect(await card.getAttribute("lang")).toBe("en");
      const text = await card.innerText();
      expect(text).not.toMatch(/[\u4e00-\u9fff]/);
      expect(text).toContain("line 3");
      expect(await page.locator(".cm-sp-error-line").allTextContents()).toEqual(["print(scroe)"]);
      // Editing the code clears the mark: the line number may be stale now.
      await page.click(".cm-content");
      await page.keyboard.press("ControlOrMeta+End");
      await page.keyboard.type("# fixed");
      expect(await page.locator(".cm-sp-error-line").count()).toBe(0);
      // The choice is remembered.
      await page.reload();
      await page.waitForSelector(".cm-content");
      expect(await page.locator("#language").inputValue()).toBe("en");
    });
  });
});

describe("the editor itself", () => {
  it("keeps the code through a reload", async () => {
    await withEditor({}, async (page) => {
      const code = 'print("kept safe")\n# reload test 12345\n';
      await setCode(page, code);
      await page.reload();
      await page.waitForSelector(".cm-content");
      expect(await editorText(page)).toBe(code);
    });
  });

  it("lets keyboard users leave the editor with Esc then Tab, while Tab alone indents", async () => {
    await withEditor({}, async (page) => {
      await setCode(page, "if True:\nprint(1)");
      await page.keyboard.press("Home");
      await page.keyboard.press("Tab");
      expect(await editorText(page)).toBe("if True:\n    print(1)");
      const inEditor = () => page.evaluate(() => !!document.activeElement?.closest(".cm-editor"));
      expect(await inEditor()).toBe(true);
      await page.keyboard.press("Escape");
      await page.keyboard.press("Tab");
      expect(await inEditor()).toBe(false);
    });
  });

  it("survives a socket drop mid-run without losing or repeating output", async () => {
    await withEditor({}, async (page) => {
      let dropped = false;
      let forwarded = 0;
      await page.routeWebSocket(/\/api\/run\/[^/]+\/stream$/, (ws) => {
        const server = ws.connectToServer();
        server.onMessage((message) => {
          ws.send(message);
          forwarded += 1;
          // Cut the first connection after a few frames; the page must reconnect.
          if (!dropped && forwarded === 4) {
            dropped = true;
            ws.close();
          }
        });
        ws.onMessage((message) => server.send(message));
      });
      await setCode(
        page,
        'import time\nfor i in range(8):\n    print("line", i)\n    time.sleep(0.25)\n',
      );
      await pressRun(page);
      expect(await waitForOutcome(page)).toBe("ok");
      expect(dropped).toBe(true);
      const expected = Array.from({ length: 8 }, (_, i) => `line ${i}\n`).join("");
      expect(await consoleText(page)).toBe(expected);
    });
  });
});

describe("on a 360 px phone with touch", () => {
  it("runs, shows output and a friendly error without sideways scrolling", async () => {
    await withEditor({ phone: true, locale: "zh-CN" }, async (page) => {
      await page.selectOption("#examples", "hello");
      await pressRun(page, true);
      expect(await waitForOutcome(page)).toBe("ok");
      expect(await consoleText(page)).toContain("你好，世界！");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(overflow).toBeLessThanOrEqual(PHONE.width);
      await screenshot(page, "hello-mobile");

      await setCode(page, 'print("hi")\nprint(nmae)\n');
      await pressRun(page, true);
      expect(await waitForOutcome(page)).toBe("error");
      await page.locator(".friendly-card").waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        PHONE.width,
      );
      await screenshot(page, "error-zh-CN-mobile");
    });
  });
});
