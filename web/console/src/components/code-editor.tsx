import { lazy, Suspense } from "react";

export interface CodeEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** The editor's accessible name (an aria-label: the editor lives in a shadow root, out of reach of aria-labelledby). */
  label: string;
  /** JavaScript is highlighted with its grammar; JSONata with the same one, close enough for strings, numbers and names. */
  language: "jsonata" | "javascript";
  rows?: number;
}

// CodeMirror is about 120 kB of compressed JavaScript: it loads only when an editor is shown, never on the first page.
const CodeMirrorEditor = lazy(() => import("./code-mirror-editor.tsx"));

/** A code editor (CodeMirror 6: line numbers, highlighting, bracket matching, undo); a plain text area until it loads. */
export function CodeEditor(props: CodeEditorProps) {
  return (
    <Suspense fallback={<PlainEditor {...props} />}>
      <CodeMirrorEditor {...props} />
    </Suspense>
  );
}

function PlainEditor({ value, onChange, label, rows = 14 }: CodeEditorProps) {
  return (
    <textarea
      className="editor"
      rows={rows}
      spellCheck={false}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      aria-label={label}
    />
  );
}
