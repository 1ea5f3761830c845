import { useEffect, useState } from "react";

/**
 * What a page without a working session shows: the link had no token, the session expired or the
 * operator ended it. A new session needs a new link from the operator's product, so this screen
 * links back there when the application names a page for it (`hookline.portal.returnUrl` in its
 * metadata, read through `GET /api/v1/portal/{app}/settings`, which needs no token).
 */
export function SessionEnded({ appId, reason }: { appId: string | null; reason: string }) {
  const [returnUrl, setReturnUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!appId) return;
    fetch(`/api/v1/portal/${encodeURIComponent(appId)}/settings`, { credentials: "omit" })
      .then((res) => (res.ok ? (res.json() as Promise<{ returnUrl: string | null }>) : null))
      .then((settings) => setReturnUrl(settings?.returnUrl ?? null))
      .catch(() => undefined);
  }, [appId]);
  return (
    <main id="main" className="portal-ended">
      <div className="card">
        <h1>Your session has ended</h1>
        <p data-testid="ended-reason">{reason}</p>
        <p>
          For your security, links to this page work for a limited time. Open it again from the product that sent you
          here.
        </p>
        {returnUrl ? (
          <p>
            <a className="button primary" href={returnUrl} target="_top" rel="noopener">
              Get a new link
            </a>
          </p>
        ) : null}
      </div>
    </main>
  );
}
