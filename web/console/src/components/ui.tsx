import { useState, type ReactNode } from "react";
import { ApiError } from "../api.ts";

/** An API error in the API's own words (with its code), or any other failure's message. */
export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  const text = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? error.code : null;
  return (
    <p role="alert" className="error">
      {code ? <strong>{code}: </strong> : null}
      {text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  const d = new Date(iso);
  return (
    <time dateTime={iso} title={iso}>
      {d.toLocaleString()}
    </time>
  );
}

const STATUS_CLASS: Record<string, string> = { success: "ok", fail: "bad", pending: "wait", sending: "wait" };

export function StatusBadge({ text }: { text: string }) {
  return <span className={`badge ${STATUS_CLASS[text] ?? ""}`}>{text}</span>;
}

/** Whether an endpoint takes deliveries. */
export function EndpointStateBadge({ disabled }: { disabled: boolean }) {
  return <span className={`badge ${disabled ? "bad" : "ok"}`}>{disabled ? "disabled" : "enabled"}</span>;
}

/** Pretty JSON when the text is JSON, the text as it is otherwise. */
export function Code({ value, label }: { value: unknown; label: string }) {
  let text: string;
  if (typeof value === "string") {
    try {
      text = JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      text = value;
    }
  } else {
    text = JSON.stringify(value, null, 2);
  }
  return (
    <pre className="code" tabIndex={0} aria-label={label}>
      {text === "" ? "(empty)" : text}
    </pre>
  );
}

export function Section({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section className="card" aria-label={title}>
      <header className="card-head">
        <h2>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}

/** A button that asks for a second click before doing something that cannot be undone. */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  disabled,
  danger,
}: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className={danger ? "danger" : ""} disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  return (
    <span className="confirm">
      <button
        type="button"
        className={danger ? "danger" : "primary"}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

/**
 * "Newer" and "Older" for the API's cursors: `page` is the page shown, read with `iterator` (null
 * for the first); `onChange` gets the iterator of the page to show instead.
 */
export function Pager({
  page,
  iterator,
  onChange,
}: {
  page: { iterator: string | null; prevIterator: string | null; done: boolean } | undefined;
  iterator: string | null;
  onChange: (iterator: string | null) => void;
}) {
  const prev = iterator ? page?.prevIterator : null;
  const next = page && !page.done ? page.iterator : null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" disabled={!prev} onClick={() => onChange(page?.prevIterator ?? null)}>
        ← Newer
      </button>
      <button type="button" disabled={!next} onClick={() => onChange(page?.iterator ?? null)}>
        Older →
      </button>
    </nav>
  );
}

export const splitList = (text: string): string[] | null => {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : null;
};
