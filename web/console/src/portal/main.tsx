import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";
import { api, ApiError, setBearerToken, whenSessionLost } from "../api.ts";
import { PortalLayout } from "./layout.tsx";
import { addressWithoutFragment, readPortalUrl } from "./options.ts";
import { portalBase } from "./paths.ts";
import { EndpointDetail } from "./pages/endpoint-detail.tsx";
import { Endpoints } from "./pages/endpoints.tsx";
import { EventCatalog } from "./pages/event-catalog.tsx";
import { Inspector } from "./pages/inspector.tsx";
import { MessageDetail } from "./pages/message-detail.tsx";
import { NewEndpoint } from "./pages/new-endpoint.tsx";
import { SessionContext, type PortalSession } from "./session.ts";
import { SessionEnded } from "./session-ended.tsx";
import { applyTheme } from "./theme.ts";
import { reportHeightToParent } from "./frame-height.ts";
import "../styles.css";
import "./portal.css";

/**
 * The consumer portal (docs/portal.md): the console's components, with the session's token as a
 * Bearer token instead of the console's cookie. The token arrives in the URL's fragment, goes to
 * memory and leaves the address bar before anything else runs.
 */
const options = readPortalUrl(window.location.href);
window.history.replaceState(null, "", addressWithoutFragment(window.location.href));
applyTheme(options);
reportHeightToParent();

const base = portalBase(window.location.pathname);
const root = createRoot(document.getElementById("root")!);
const render = (node: ReactNode) => root.render(<StrictMode>{node}</StrictMode>);

function ended(reason: string) {
  render(<SessionEnded appId={base?.appId ?? null} reason={reason} />);
}

async function start() {
  if (!base) return ended("This address does not name an application.");
  if (!options.token)
    return ended("This page was opened without a session (a reload forgets it, since it is kept only in memory).");
  setBearerToken(options.token);
  whenSessionLost(() => ended("The session expired or was ended."));
  let session: PortalSession;
  try {
    session = await api<PortalSession>("GET", "/auth/portal-session");
  } catch (error) {
    // A 401 has already shown the screen with its reason; anything else is shown here.
    if (error instanceof ApiError && error.status === 401) return ended(`The server says ${error.message}.`);
    return ended(error instanceof Error ? error.message : String(error));
  }
  if (session.appId !== base.appId) return ended("This session is for another application.");

  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, error) => !(error instanceof ApiError) && count < 2,
        refetchOnWindowFocus: false,
        staleTime: 5_000,
      },
    },
  });
  const router = createBrowserRouter(
    [
      {
        path: "/",
        element: <PortalLayout options={options} />,
        children: [
          { index: true, element: <Endpoints /> },
          { path: "endpoints/new", element: <NewEndpoint /> },
          { path: "endpoints/:endpointId", element: <EndpointDetail /> },
          { path: "messages/:msgId", element: <MessageDetail /> },
          { path: "event-types", element: <EventCatalog /> },
          { path: "inspector", element: <Inspector /> },
          { path: "*", element: <Endpoints /> },
        ],
      },
    ],
    { basename: base.basename },
  );
  if (options.next) void router.navigate(options.next, { replace: true });
  render(
    <SessionContext.Provider value={session}>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </SessionContext.Provider>,
  );
}

void start();
