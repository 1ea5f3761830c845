import { useQueries, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useNavigate } from "react-router";
import { api, ApiError, enc, type Application, type Endpoint, type Page } from "../api.ts";
import { paths } from "../paths.ts";
import "../operations.css";

interface Choice {
  id: string;
  label: string;
  detail: string;
  /** Where it leads; a message id first asks the API for its application. */
  go: () => Promise<string>;
}

/** Applications whose endpoints are listed too: the best few matches. */
const APPS_WITH_ENDPOINTS = 3;
const MAX_CHOICES = 12;
const MESSAGE_ID = /^msg_[A-Za-z0-9]+$/;

/**
 * Ctrl-K (Cmd-K on a Mac) or the header's button: jump to an application (by name, uid or id),
 * an endpoint of a matching application, or a message by its id. A modal dialog with a combobox
 * and a listbox (WAI-ARIA's pattern): arrows move, Enter opens, Escape closes and focus returns
 * where it was.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const opener = useRef<HTMLElement | null>(null);
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        if (!open) opener.current = document.activeElement as HTMLElement | null;
        setOpen((o) => !o);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [open]);
  const close = () => {
    setOpen(false);
    opener.current?.focus();
  };
  return (
    <>
      <button
        type="button"
        className="palette-open"
        aria-keyshortcuts="Control+K Meta+K"
        onClick={(e) => {
          opener.current = e.currentTarget;
          setOpen(true);
        }}
      >
        Jump to… <kbd>Ctrl K</kbd>
      </button>
      {open ? <Palette onClose={close} /> : null}
    </>
  );
}

function Palette({ onClose }: { onClose: () => void }) {
  const id = useId();
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const [failure, setFailure] = useState<string | null>(null);
  const navigate = useNavigate();
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const apps = useQuery({ queryKey: ["apps", "all"], queryFn: () => api<Page<Application>>("GET", "/app?limit=250") });
  const needle = text.trim().toLowerCase();
  const matchedApps = useMemo(
    () =>
      (apps.data?.data ?? []).filter(
        (a) => !needle || [a.name, a.uid ?? "", a.id].some((s) => s.toLowerCase().includes(needle)),
      ),
    [apps.data, needle],
  );
  const endpointLists = useQueries({
    queries: matchedApps.slice(0, APPS_WITH_ENDPOINTS).map((a) => ({
      queryKey: ["endpoints", a.id],
      queryFn: () => api<Page<Endpoint>>("GET", `/app/${enc(a.id)}/endpoint?limit=250`),
      enabled: needle !== "",
    })),
  });

  const choices: Choice[] = [];
  const raw = text.trim();
  if (MESSAGE_ID.test(raw))
    choices.push({
      id: `msg-${raw}`,
      label: `Open message ${raw}`,
      detail: "message",
      go: async () => paths.message((await api<{ appId: string }>("GET", `/msg/${enc(raw)}`)).appId, raw),
    });
  for (const a of matchedApps) {
    choices.push({
      id: `app-${a.id}`,
      label: a.name,
      detail: `application · ${a.uid ?? a.id}`,
      go: async () => paths.app(a.id),
    });
  }
  matchedApps.slice(0, APPS_WITH_ENDPOINTS).forEach((a, i) => {
    for (const ep of endpointLists[i]?.data?.data ?? [])
      choices.push({
        id: `ep-${ep.id}`,
        label: ep.url,
        detail: `endpoint of ${a.name}`,
        go: async () => paths.endpoint(a.id, ep.id),
      });
  });
  const shown = choices.slice(0, MAX_CHOICES);
  const current = Math.min(active, Math.max(0, shown.length - 1));

  async function choose(choice: Choice | undefined) {
    if (!choice) return;
    try {
      const to = await choice.go();
      onClose();
      void navigate(to);
    } catch (error) {
      setFailure(error instanceof ApiError && error.status === 404 ? `No message ${raw}.` : (error as Error).message);
    }
  }
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((current + 1) % Math.max(1, shown.length));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((current - 1 + shown.length) % Math.max(1, shown.length));
    } else if (e.key === "Enter") {
      e.preventDefault();
      void choose(shown[current]);
    } else if (e.key === "Tab") {
      // The dialog is modal and the input its only stop: focus stays in it until it closes.
      e.preventDefault();
    } else if (e.key === "Escape") {
      e.preventDefault();
      onClose();
    }
  };
  const listId = `${id}-list`;
  return (
    <div
      className="palette-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div className="palette" role="dialog" aria-modal="true" aria-label="Jump to">
        <input
          ref={input}
          role="combobox"
          aria-label="Application, endpoint or message id"
          aria-expanded={shown.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={shown[current] ? `${id}-${shown[current].id}` : undefined}
          placeholder="Application name, uid or id; msg_… opens a message"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setActive(0);
            setFailure(null);
          }}
          onKeyDown={onKeyDown}
        />
        <ul id={listId} role="listbox" aria-label="Matches">
          {shown.map((c, i) => (
            <li
              key={c.id}
              id={`${id}-${c.id}`}
              role="option"
              aria-selected={i === current}
              onMouseEnter={() => setActive(i)}
              onClick={() => void choose(c)}
            >
              <span>{c.label}</span>
              <span className="muted">{c.detail}</span>
            </li>
          ))}
        </ul>
        {failure ? (
          <p role="alert" className="error">
            {failure}
          </p>
        ) : null}
        <p className="palette-hint muted" aria-live="polite">
          {apps.isPending ? "Loading applications…" : `${shown.length} match${shown.length === 1 ? "" : "es"}`} · ↑ ↓ to
          move, Enter to open, Esc to close
        </p>
      </div>
    </div>
  );
}
