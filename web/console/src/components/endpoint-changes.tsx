import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, type Endpoint } from "../api.ts";
import { ConfirmButton, ErrorNote, Section } from "./ui.tsx";

/**
 * Changing an endpoint from its settings, as the console's endpoint page and the portal's both do:
 * saving the settings form with one PATCH, enabling or disabling it, deleting it.
 */

/**
 * The save, enable/disable and delete of the endpoint at `base`. `body` is what the form would
 * save; "Saved." is shown until it changes. After a delete the page goes to `afterDelete`.
 */
export function useEndpointChanges(
  appId: string,
  endpoint: Endpoint,
  base: string,
  options: { body: Record<string, unknown>; afterDelete: string },
) {
  const [saved, setSaved] = useState(false);
  const client = useQueryClient();
  const navigate = useNavigate();
  const asked = JSON.stringify(options.body);
  useEffect(() => setSaved(false), [asked]);
  const refresh = (updated: Endpoint) => {
    client.setQueryData(["endpoint", appId, endpoint.id], updated);
    void client.invalidateQueries({ queryKey: ["endpoints", appId] });
  };
  const save = useMutation({
    mutationFn: () => api<Endpoint>("PATCH", base, options.body),
    onSuccess: (updated) => {
      refresh(updated);
      setSaved(true);
    },
  });
  const toggle = useMutation({
    mutationFn: () => api<Endpoint>("PATCH", base, { disabled: !endpoint.disabled }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => api("DELETE", base),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["endpoints", appId] });
      void navigate(options.afterDelete, { replace: true });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return { save, toggle, remove, saved, submit };
}

export type EndpointChanges = ReturnType<typeof useEndpointChanges>;

/** The settings form's button, and "Saved." once the form's values are saved. */
export function SaveSettings({ changes }: { changes: EndpointChanges }) {
  return (
    <div>
      <button type="submit" className="primary" disabled={changes.save.isPending}>
        Save settings
      </button>{" "}
      {changes.saved ? (
        <span role="status" className="ok-text">
          Saved.
        </span>
      ) : null}
    </div>
  );
}

/**
 * Whether the endpoint is enabled (`disabledNote` says what being disabled means to the reader)
 * and, if `manage`, the buttons that enable, disable and delete it.
 */
export function EndpointState({
  endpoint,
  changes,
  manage,
  disabledNote,
}: {
  endpoint: Endpoint;
  changes: EndpointChanges;
  manage: boolean;
  disabledNote: string;
}) {
  const { toggle, remove } = changes;
  return (
    <Section title="State">
      <p>{endpoint.disabled ? disabledNote : "Enabled: messages are delivered to it."}</p>
      {manage ? (
        <>
          <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
            {endpoint.disabled ? "Enable endpoint" : "Disable endpoint"}
          </button>{" "}
          <ConfirmButton
            label="Delete endpoint"
            confirmLabel="Really delete this endpoint"
            danger
            onConfirm={() => remove.mutate()}
          />
        </>
      ) : null}
      <ErrorNote error={toggle.error ?? remove.error} />
    </Section>
  );
}
