// Marks the line a friendly error points at. The mark goes away as soon as the kid
// edits the code, since the line number may no longer be right.

import { StateEffect, StateField, type Extension } from "@codemirror/state";
import { Decoration, EditorView, type DecorationSet } from "@codemirror/view";

/** Set the error line (1-based), or null to clear it. */
export const setErrorLine = StateEffect.define<number | null>();

const errorLineMark = Decoration.line({ class: "cm-sp-error-line" });

const errorLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = tr.docChanged ? Decoration.none : marks;
    for (const effect of tr.effects) {
      if (!effect.is(setErrorLine)) continue;
      const line = effect.value;
      next =
        line !== null && line >= 1 && line <= tr.state.doc.lines
          ? Decoration.set([errorLineMark.range(tr.state.doc.line(line).from)])
          : Decoration.none;
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

export function errorLineExtension(): Extension {
  return errorLineField;
}

/** Highlights `line` (1-based) and scrolls it into view, without taking focus. */
export function showErrorLine(view: EditorView, line: number | null): void {
  const effects: StateEffect<unknown>[] = [setErrorLine.of(line)];
  if (line !== null && line >= 1 && line <= view.state.doc.lines) {
    effects.push(EditorView.scrollIntoView(view.state.doc.line(line).from, { y: "center" }));
  }
  view.dispatch({ effects });
}
