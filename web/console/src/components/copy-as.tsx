import { useState } from "react";
import { curlCommand, sdkCall, type ApiCall } from "../lib/api-call.ts";
import "../editing.css";

/**
 * "Copy as curl" and "Copy as SDK call" for one action of the console: the same request the
 * console is about to make (or just made), as text to run elsewhere, with the token as a
 * placeholder. Folded away until opened, so forms stay short.
 */
export function CopyAs({ call, label }: { call: ApiCall; label: string }) {
  const origin = window.location.origin;
  const curl = curlCommand(origin, call);
  const sdk = sdkCall(origin, call);
  return (
    <details className="copy-as">
      <summary>Copy as curl or SDK call: {label}</summary>
      <p className="muted">
        Set <code>HOOKLINE_TOKEN</code> to an admin token first; the console's own session is never shown.
      </p>
      <Snippet title="curl" label="Shell command" text={curl} />
      {sdk ? <Snippet title="JavaScript (svix SDK)" label="SDK call" text={sdk} /> : null}
    </details>
  );
}

/** `label` names the text for assistive technology (a name without "url" in it, so it never passes for a URL field). */
function Snippet({ title, label, text }: { title: string; label: string; text: string }) {
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const copy = () => {
    // The clipboard may be refused (no permission, an insecure origin): say so rather than pretend.
    navigator.clipboard.writeText(text).then(
      () => setCopied("yes"),
      () => setCopied("no"),
    );
  };
  return (
    <div className="snippet">
      <div className="snippet-head">
        <h3>{title}</h3>
        <button type="button" onClick={copy}>
          Copy {title}
        </button>
        <span role="status" className={copied === "no" ? "bad-text" : "ok-text"}>
          {copied === "yes" ? "Copied." : copied === "no" ? "The browser refused the clipboard: select the text." : ""}
        </span>
      </div>
      <pre className="code" tabIndex={0} aria-label={label}>
        {text}
      </pre>
    </div>
  );
}
