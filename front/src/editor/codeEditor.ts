// The CodeMirror 6 editor, set up for kids: Python highlighting, auto-indent, bracket
// matching and closing, a big font, and translated CodeMirror phrases.
//
// Tab indents (Python needs it), which would trap keyboard users; CodeMirror's escape
// hatch is kept: Esc then Tab (within two seconds) moves focus out of the editor, and
// Ctrl+M (Shift+Alt+M on macOS) switches Tab between indenting and moving focus.

import { closeBrackets, closeBracketsKeymap } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";
import {
  bracketMatching,
  defaultHighlightStyle,
  foldGutter,
  foldKeymap,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { highlightSelectionMatches, searchKeymap } from "@codemirror/search";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import type { Lang } from "../i18n/i18n";
import { codemirrorPhrasesZhCN } from "../i18n/codemirrorPhrases";
import { errorLineExtension, showErrorLine } from "./errorLine";

export interface CodeEditorOptions {
  parent: HTMLElement;
  doc: string;
  lang: Lang;
  ariaLabel: string;
  onChange: (code: string) => void;
  onRunShortcut: () => void;
}

function phrasesFor(lang: Lang): Extension {
  return lang === "zh-CN" ? EditorState.phrases.of(codemirrorPhrasesZhCN) : [];
}

function contentLabel(label: string): Extension {
  return EditorView.contentAttributes.of({ "aria-label": label });
}

export class CodeEditor {
  readonly view: EditorView;
  private readonly phrases = new Compartment();
  private readonly label = new Compartment();

  constructor(options: CodeEditorOptions) {
    const runKeys = keymap.of([{ key: "Mod-Enter", run: () => (options.onRunShortcut(), true) }]);
    this.view = new EditorView({
      parent: options.parent,
      state: EditorState.create({
        doc: options.doc,
        extensions: [
          this.phrases.of(phrasesFor(options.lang)),
          this.label.of(contentLabel(options.ariaLabel)),
          lineNumbers(),
          highlightActiveLineGutter(),
          highlightSpecialChars(),
          history(),
          foldGutter(),
          drawSelection(),
          EditorState.allowMultipleSelections.of(false),
          indentUnit.of("    "),
          indentOnInput(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          bracketMatching(),
          closeBrackets(),
          highlightActiveLine(),
          highlightSelectionMatches(),
          runKeys,
          keymap.of([
            ...closeBracketsKeymap,
            ...defaultKeymap,
            ...searchKeymap,
            ...historyKeymap,
            ...foldKeymap,
            indentWithTab,
          ]),
          python(),
          errorLineExtension(),
          EditorView.lineWrapping,
          EditorView.updateListener.of((update) => {
            if (update.docChanged) options.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
  }

  get code(): string {
    return this.view.state.doc.toString();
  }

  /** Replaces the whole text as one undoable change, so Ctrl+Z brings the old code back. */
  replaceCode(code: string): void {
    this.view.dispatch({
      changes: { from: 0, to: this.view.state.doc.length, insert: code },
      selection: { anchor: 0 },
      scrollIntoView: true,
    });
  }

  setLanguage(lang: Lang, ariaLabel: string): void {
    this.view.dispatch({
      effects: [
        this.phrases.reconfigure(phrasesFor(lang)),
        this.label.reconfigure(contentLabel(ariaLabel)),
      ],
    });
  }

  showErrorLine(line: number | null): void {
    showErrorLine(this.view, line);
  }

  focus(): void {
    this.view.focus();
  }
}
