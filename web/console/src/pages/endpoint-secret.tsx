import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api.ts";
import { CopyAs } from "../components/copy-as.tsx";
import { ConfirmButton, ErrorNote, Section } from "../components/ui.tsx";

/** How long the old secret keeps signing beside the new one; the API takes 0 to 7 days (gracePeriodSeconds). */
const GRACE_PERIODS = [
  [0, "No grace: the old secret stops at once"],
  [3600, "1 hour"],
  [86_400, "24 hours (the default)"],
  [259_200, "3 days"],
  [604_800, "7 days (the longest)"],
] as const;

/** The signing secret: shown on an explicit click, rotated with a chosen grace period after a confirmation. */
export function EndpointSecret({ base }: { base: string }) {
  const [shown, setShown] = useState<string | null>(null);
  const [grace, setGrace] = useState(86_400);
  const [rotated, setRotated] = useState<number | null>(null);
  const reveal = useMutation({
    mutationFn: () => api<{ key: string }>("GET", `${base}/secret`),
    onSuccess: (s) => setShown(s.key),
  });
  const body = { gracePeriodSeconds: grace };
  const rotate = useMutation({
    mutationFn: () => api("POST", `${base}/secret/rotate`, body),
    onSuccess: () => {
      setRotated(grace);
      // Show the new secret if the old one was on screen.
      if (shown !== null) reveal.mutate();
    },
  });
  const graceText = (seconds: number) =>
    seconds === 0
      ? "the old secret no longer signs."
      : `the old secret keeps signing alongside it for ${GRACE_PERIODS.find(([s]) => s === seconds)?.[1].replace(/ \(.*\)$/, "")}.`;
  return (
    <Section title="Signing secret">
      <p>Receivers verify each delivery's signature with this secret. It is shown only when you ask for it.</p>
      {shown !== null ? (
        <p>
          <code className="secret" data-testid="secret">
            {shown}
          </code>{" "}
          <button type="button" onClick={() => setShown(null)}>
            Hide
          </button>
        </p>
      ) : (
        <button type="button" onClick={() => reveal.mutate()} disabled={reveal.isPending}>
          Reveal secret
        </button>
      )}
      <h3>Rotate</h3>
      <p>
        A new secret signs every delivery from now on. During the grace period the old one keeps signing alongside it
        (each delivery carries both signatures), so receivers can switch without losing a delivery.
      </p>
      <p>
        <label className="inline">
          Grace period{" "}
          <select value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
            {GRACE_PERIODS.map(([seconds, text]) => (
              <option key={seconds} value={seconds}>
                {text}
              </option>
            ))}
          </select>
        </label>
      </p>
      <ConfirmButton label="Rotate secret" confirmLabel="Rotate now" onConfirm={() => rotate.mutate()} />
      {rotated !== null ? (
        <p role="status" className="ok-text">
          Rotated: the new secret is in effect; {graceText(rotated)}
        </p>
      ) : null}
      <ErrorNote error={reveal.error ?? rotate.error} />
      <CopyAs label="rotate the secret" call={{ method: "POST", path: `${base}/secret/rotate`, body }} />
    </Section>
  );
}
