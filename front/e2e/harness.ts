// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core
// (never a downloaded browser), the server URL from SANDPIT_URL, and helpers that
// act like a kid: type code, press Run, read the console.

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));

export const SCREENSHOT_DIR = resolve(
  process.env.SANDPIT_SCREENSHOT_DIR ?? join(here, "..", "..", "artifacts", "screenshots"),
);

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 360, height: 740 } as const;

/** The running sandpit-server (which serves front/dist at `/`), e.g. http://127.0.0.1:8000. */
export function sandpitUrl(): string {
  const url = process.env.SANDPIT_URL;
  if (!url) {
    throw new Error(
      "SANDPIT_URL is not set: start sandpit-server (serving front/dist) and a sandpit-runner, " +
        "then run e.g. SANDPIT_URL=http://127.0.0.1:8000 npm run test:e2e",
    );
  }
  return url.replace(/\/+$/, "") + "/";
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    // Playwright starts Chromium with a fresh temporary --user-data-dir of its own.
    // The network flags stop Chromium from phoning home, which this machine refuses.
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface PageOptions {
  locale?: string;
  phone?: boolean;
}

/** A fresh context (empty localStorage) with one page on the editor. */
export async function openEditor(
  browser: Browser,
  options: PageOptions = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: options.phone ? PHONE : DESKTOP,
    locale: options.locale ?? "en-US",
    hasTouch: options.phone ?? false,
    isMobile: options.phone ?? false,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  (page as Page & { problems?: string[] }).problems = problems;
  await page.goto(sandpitUrl());
  await page.waitForSelector(".cm-content");
  return { context, page };
}

/** Uncaught errors the page threw so far; tests expect none. */
export function pageErrors(page: Page): string[] {
  return (page as Page & { problems?: string[] }).problems ?? [];
}

/** Replaces the editor's code the way a paste does (no auto-indent on top of ours). */
export async function setCode(page: Page, code: string): Promise<void> {
  await page.click(".cm-content");
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(code);
}

export async function editorText(page: Page): Promise<string> {
  return page.locator(".cm-content").evaluate((el) =>
    Array.from(el.querySelectorAll(".cm-line"))
      .map((line) => line.textContent ?? "")
      .join("\n"),
  );
}

export async function pressRun(page: Page, phone = false): Promise<void> {
  if (phone) await page.tap("#run");
  else await page.click("#run");
}

/** Waits until the run has ended and returns its status (ok, error, cancelled…). */
export async function waitForOutcome(page: Page, timeout = 60_000): Promise<string> {
  const state = page.locator('#run-state[data-state="finished"]');
  await state.waitFor({ timeout });
  return (await state.getAttribute("data-outcome")) ?? "";
}

export async function consoleText(page: Page): Promise<string> {
  return (await page.locator("#console-transcript").textContent()) ?? "";
}

export async function runStateText(page: Page): Promise<string> {
  return (await page.locator("#run-state").innerText()).replace(/\s+/g, " ").trim();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
