import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.ts";
import { ConfirmButton, ErrorNote, Section } from "../../components/ui.tsx";
import { useCan } from "../session.ts";

/** The signing secret: revealed on request; rotated after a confirmation when the session may. */
export function EndpointSecret({ base }: { base: string }) {
  const can = useCan();
  const [shown, setShown] = useState<string | null>(null);
  const [rotated, setRotated] = useState(false);
  const reveal = useMutation({
    mutationFn: () => api<{ key: string }>("GET", `${base}/secret`),
    onSuccess: (s) => setShown(s.key),
  });
  const rotate = useMutation({
    mutationFn: () => api("POST", `${base}/secret/rotate`, {}),
    onSuccess: () => {
      setRotated(true);
      if (shown !== null) reveal.mutate();
    },
  });
  return (
    <Section title="Signing secret">
      <p>
        Every delivery is signed with this secret (Standard Webhooks: the <code>webhook-signature</code> header). Verify
        the signature in your receiver before trusting a request.
      </p>
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
      {can("ManageEndpointSecret", "ManageEndpoint") ? (
        <>
          <h3>Rotate</h3>
          <p>
            A new secret signs every delivery from now on; the old one keeps signing alongside it for 24 hours, so your
            receiver can switch without losing a delivery.
          </p>
          <ConfirmButton label="Rotate secret" confirmLabel="Rotate now" onConfirm={() => rotate.mutate()} />
        </>
      ) : null}
      {rotated ? (
        <p role="status" className="ok-text">
          Rotated: the new secret is in effect.
        </p>
      ) : null}
      <ErrorNote error={reveal.error ?? rotate.error} />
    </Section>
  );
}
