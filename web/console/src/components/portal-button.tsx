import { useMutation } from "@tanstack/react-query";
import { api, enc } from "../api.ts";

/**
 * "Open the consumer portal as this application": a portal session for the application
 * (POST /api/v1/auth/app-portal-access/{app}, the default lifetime and capabilities), opened in a
 * new tab. The link stays on the page, for a browser that blocks the tab.
 */
export function PortalButton({ appId }: { appId: string }) {
  const open = useMutation({
    mutationFn: () => api<{ url: string; token: string }>("POST", `/auth/app-portal-access/${enc(appId)}`, {}),
    onSuccess: ({ url }) => {
      window.open(url, "_blank", "noopener,noreferrer");
    },
  });
  return (
    <>
      <button type="button" disabled={open.isPending} onClick={() => open.mutate()}>
        Open the consumer portal as this application
      </button>
      {open.data ? (
        <span role="status" className="muted">
          {" "}
          Opened in a new tab (
          <a href={open.data.url} target="_blank" rel="noopener noreferrer">
            open again
          </a>
          ).
        </span>
      ) : null}
      {open.error ? (
        <span role="alert" className="bad-text">
          {" "}
          {open.error.message}
        </span>
      ) : null}
    </>
  );
}
