// Entry point: finds the page's elements, builds the parts and wires them together.

import "./styles.css";
import { resolveEndpoints } from "./config";
import { OutputConsole } from "./console/outputConsole";
import { CodeEditor } from "./editor/codeEditor";
import { EXAMPLES } from "./examples";
import { applyTranslations, I18n, LANGS, type Lang } from "./i18n/i18n";
import type { MessageKey } from "./i18n/messages";
import { RunController, type RunState } from "./runController";
import { loadItem, saveItem, STORAGE_KEYS } from "./storage";
import { TurtleCanvas } from "./viz/turtleCanvas";
import { isSpeedName, SPEEDS, type SpeedName } from "./viz/timeline";

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
}

/** Keeps a <select>'s options in the current language, keeping its selection. */
function fillSelect(select: HTMLSelectElement, options: Array<[value: string, label: string]>): void {
  const selected = select.value;
  select.replaceChildren(
    ...options.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
  if (options.some(([value]) => value === selected)) select.value = selected;
}

const AUTOSAVE_DELAY_MS = 300;

function start(): void {
  const i18n = new I18n(
    { load: () => loadItem(STORAGE_KEYS.lang), save: (lang) => saveItem(STORAGE_KEYS.lang, lang) },
    navigator.languages?.length ? navigator.languages : [navigator.language],
  );
  const endpoints = resolveEndpoints(import.meta.env.VITE_API_BASE, window.location);

  // Editor, with autosave: debounced while typing, and at once when the page is hidden
  // or closed, so a reload or a closed lid loses nothing.
  const savedCode = loadItem(STORAGE_KEYS.code);
  let saveTimer: ReturnType<typeof setTimeout> | null = null;
  const saveNow = () => {
    if (saveTimer !== null) clearTimeout(saveTimer);
    saveTimer = null;
    saveItem(STORAGE_KEYS.code, editor.code);
  };
  const editor: CodeEditor = new CodeEditor({
    parent: byId("editor"),
    doc: savedCode ?? EXAMPLES[0].code[i18n.lang],
    lang: i18n.lang,
    ariaLabel: i18n.t("editor.label"),
    onChange: () => {
      if (saveTimer !== null) clearTimeout(saveTimer);
      saveTimer = setTimeout(saveNow, AUTOSAVE_DELAY_MS);
    },
    onRunShortcut: () => void controller.run(),
  });
  window.addEventListener("pagehide", saveNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveNow();
  });

  const runButton = byId<HTMLButtonElement>("run");
  const stopButton = byId<HTMLButtonElement>("stop");
  const stateBox = byId("run-state");
  const notice = byId("run-notice");
  const outputPane = byId("output-pane");
  const narrowLayout = window.matchMedia("(max-width: 820px)");

  const output = new OutputConsole(
    {
      scroller: byId("console"),
      transcript: byId("console-transcript"),
      empty: byId("console-empty"),
      inputArea: byId("console-input"),
      input: byId<HTMLInputElement>("stdin-field"),
      sendButton: byId<HTMLButtonElement>("stdin-send"),
    },
    (line) => controller.sendAnswer(line),
  );

  const speedSelect = byId<HTMLSelectElement>("drawing-speed");
  const storedSpeed = loadItem(STORAGE_KEYS.speed);
  const speed: SpeedName = isSpeedName(storedSpeed) ? storedSpeed : "normal";
  const turtle = new TurtleCanvas(byId<HTMLCanvasElement>("drawing-canvas"), byId("drawing-frame"), speed);

  const controller: RunController = new RunController(endpoints, i18n, {
    editor,
    output,
    turtle,
    drawingSection: byId("drawing"),
    friendlyError: byId("friendly-error"),
    showState(state: RunState, text: string, stats: string, outcome: string | null) {
      stateBox.dataset.state = state;
      if (outcome) stateBox.dataset.outcome = outcome;
      else delete stateBox.dataset.outcome;
      stateBox.querySelector(".run-state-text")!.textContent = text;
      stateBox.querySelector(".run-state-stats")!.textContent = stats;
      const busy = state !== "idle" && state !== "finished";
      runButton.disabled = busy;
      stopButton.disabled = !busy || state === "stopping";
      document.body.classList.toggle("is-running", busy);
      // On a phone the output is below the editor: bring it up when a run starts.
      if (state === "starting" && narrowLayout.matches) {
        const top = outputPane.getBoundingClientRect().top;
        if (top > window.innerHeight * 0.5) outputPane.scrollIntoView({ block: "start", behavior: "smooth" });
      }
    },
    showNotice(text: string | null) {
      notice.textContent = text ?? "";
      notice.hidden = text === null;
    },
  });

  runButton.addEventListener("click", () => void controller.run());
  stopButton.addEventListener("click", () => controller.stop());

  const editorStatus = byId("editor-status");
  let editorStatusTimer: ReturnType<typeof setTimeout> | null = null;
  const announceEditorStatus = (text: string) => {
    editorStatus.textContent = text;
    if (editorStatusTimer !== null) clearTimeout(editorStatusTimer);
    editorStatusTimer = setTimeout(() => (editorStatus.textContent = ""), 8000);
  };

  // Examples: picking one replaces the code as an undoable change.
  const examplesSelect = byId<HTMLSelectElement>("examples");
  examplesSelect.addEventListener("change", () => {
    const example = EXAMPLES.find((e) => e.id === examplesSelect.value);
    examplesSelect.value = "";
    if (!example) return;
    editor.replaceCode(example.code[i18n.lang]);
    saveNow();
    announceEditorStatus(i18n.t("editor.exampleLoaded"));
  });

  speedSelect.addEventListener("change", () => {
    if (!isSpeedName(speedSelect.value)) return;
    turtle.setSpeed(speedSelect.value);
    saveItem(STORAGE_KEYS.speed, speedSelect.value);
  });

  const languageSelect = byId<HTMLSelectElement>("language");
  languageSelect.addEventListener("change", () => i18n.set(languageSelect.value as Lang));

  const renderLanguage = () => {
    document.documentElement.lang = i18n.lang;
    document.title = i18n.t("app.title");
    applyTranslations(document, i18n);
    fillSelect(examplesSelect, [
      ["", i18n.t("toolbar.examples.placeholder")],
      ...EXAMPLES.map((e): [string, string] => [e.id, i18n.t(e.titleKey)]),
    ]);
    fillSelect(
      languageSelect,
      LANGS.map((lang): [string, string] => [lang, i18n.t(`lang.${lang}` as MessageKey)]),
    );
    languageSelect.value = i18n.lang;
    fillSelect(
      speedSelect,
      (Object.keys(SPEEDS) as SpeedName[]).map((name): [string, string] => [
        name,
        i18n.t(`drawing.speed.${name}` as MessageKey),
      ]),
    );
    editor.setLanguage(i18n.lang, i18n.t("editor.label"));
  };
  speedSelect.value = speed;
  renderLanguage();
  speedSelect.value = speed;
  i18n.onChange(renderLanguage);
}

start();
