import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { bracketMatching, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { classHighlighter } from "@lezer/highlight";
import { useEffect, useRef } from "react";
import type { CodeEditorProps } from "./code-editor.tsx";

/** How long after Escape a Tab moves focus out of the editor instead of indenting (or until another key). */
const TAB_ESCAPE_MS = 3000;

/**
 * The editor's look: the console's palette through its CSS variables (which reach into the shadow
 * root), so light and dark mode follow the rest of the page; tok-* are classHighlighter's classes.
 */
const THEME = EditorView.theme({
  "&": {
    border: "1px solid var(--border)",
    borderRadius: "6px",
    background: "var(--surface)",
    color: "var(--text)",
    fontSize: "0.9em",
  },
  "&.cm-focused": { outline: "2px solid var(--focus)", outlineOffset: "2px" },
  ".cm-scroller": { fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace' },
  ".cm-gutters": { background: "var(--code-bg)", color: "var(--muted)", borderRight: "1px solid var(--border)" },
  ".cm-activeLine": { background: "color-mix(in srgb, var(--accent) 8%, transparent)" },
  ".cm-activeLineGutter": { background: "color-mix(in srgb, var(--accent) 12%, transparent)" },
  ".cm-content": { caretColor: "var(--text)" },
  // Brackets are marked by an outline, not CodeMirror's default background colour: when text
  // typed or pasted replaces a selection that starts at a marked bracket, Chromium's editing
  // keeps the bracket's background as a style attribute on the new text, which the
  // Content-Security-Policy (no inline style) blocks and reports as a page error.
  "&.cm-focused .cm-matchingBracket, .cm-matchingBracket": {
    backgroundColor: "transparent",
    outline: "1px solid color-mix(in srgb, var(--accent) 70%, transparent)",
  },
  "&.cm-focused .cm-nonmatchingBracket, .cm-nonmatchingBracket": {
    backgroundColor: "transparent",
    outline: "1px solid var(--bad)",
  },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground": {
    background: "color-mix(in srgb, var(--accent) 30%, transparent)",
  },
  ".tok-keyword, .tok-operator": { color: "var(--hl-keyword)" },
  ".tok-string, .tok-string2": { color: "var(--hl-string)" },
  ".tok-number, .tok-bool, .tok-atom": { color: "var(--hl-number)" },
  ".tok-propertyName": { color: "var(--hl-property)" },
  ".tok-comment": { color: "var(--muted)", fontStyle: "italic" },
});

/**
 * The CodeMirror view behind CodeEditor, in its own chunk. It lives in a shadow root: there
 * CodeMirror's styles go in as a constructed style sheet, which the console's
 * Content-Security-Policy (`style-src 'self'`) allows, where in the document it would add a
 * `<style>` element, which the policy blocks. ARIA references cannot cross into a shadow root,
 * so the editor is named by `label` itself.
 */
export default function CodeMirrorEditor({ value, onChange, label, rows = 14 }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const shadow = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: "open" });
    const editor = new EditorView({
      root: shadow,
      parent: shadow,
      state: EditorState.create({
        doc: value,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          bracketMatching(),
          indentOnInput(),
          javascript(),
          syntaxHighlighting(classHighlighter),
          keymap.of([
            {
              key: "Escape",
              run: (v) => {
                v.setTabFocusMode(TAB_ESCAPE_MS);
                return true;
              },
            },
            indentWithTab,
            ...defaultKeymap,
            ...historyKeymap,
          ]),
          // tabindex: a contenteditable is focusable anyway, but says so to audits (axe: scrollable-region-focusable).
          EditorView.contentAttributes.of({ "aria-label": label, tabindex: "0" }),
          THEME,
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
          EditorView.theme({ ".cm-content, .cm-gutter": { minHeight: `${rows * 1.4}em` } }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
    // The view is made once; later values arrive through the effect below.
  }, []);

  // A value set from outside (the field mapper, a language's starter) replaces the document.
  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value)
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
  }, [value]);

  return <div ref={host} className="code-editor" />;
}
