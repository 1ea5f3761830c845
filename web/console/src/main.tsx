import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";
import { ApiError, whenSessionLost } from "./api.ts";
import { Layout } from "./components/layout.tsx";
import { paths } from "./paths.ts";
import { Applications } from "./pages/applications.tsx";
import { Administration } from "./pages/administration.tsx";
import { ApplicationDetail } from "./pages/application-detail.tsx";
import { AttemptDetail } from "./pages/attempt-detail.tsx";
import { AttemptDiff } from "./pages/attempt-diff.tsx";
import { EndpointDetail } from "./pages/endpoint-detail.tsx";
import { MessageDetail } from "./pages/message-detail.tsx";
import { EventTypes } from "./pages/event-types.tsx";
import { Messages } from "./pages/messages.tsx";
import { Inbound } from "./pages/inbound.tsx";
import { InboundSource } from "./pages/inbound-source.tsx";
import { NotFound } from "./pages/not-found.tsx";
import { Overview } from "./pages/overview.tsx";
import { Recovery } from "./pages/recovery.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // The API's answers (a 404, a 422) do not change on a retry; a dropped connection may.
      retry: (count, error) => !(error instanceof ApiError) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});

const router = createBrowserRouter([
  { path: paths.signIn, element: <SignIn /> },
  {
    path: "/",
    element: <Layout />,
    children: [
      { index: true, element: <Overview /> },
      { path: "apps", element: <Applications /> },
      { path: "apps/:appId", element: <ApplicationDetail /> },
      { path: "apps/:appId/endpoints/:endpointId", element: <EndpointDetail /> },
      { path: "apps/:appId/messages/:msgId", element: <MessageDetail /> },
      { path: "apps/:appId/messages/:msgId/attempts/:attemptId", element: <AttemptDetail /> },
      { path: "apps/:appId/messages/:msgId/compare", element: <AttemptDiff /> },
      { path: "messages", element: <Messages /> },
      { path: "recovery", element: <Recovery /> },
      { path: "admin", element: <Administration /> },
      { path: "event-types", element: <EventTypes /> },
      { path: "inbound", element: <Inbound /> },
      { path: "inbound/:sourceId", element: <InboundSource /> },
      { path: "*", element: <NotFound /> },
    ],
  },
]);

// A lost session (expired, logged out in another tab) leads to sign-in, which comes back here.
whenSessionLost(() => {
  const here = window.location.pathname + window.location.search;
  if (window.location.pathname === paths.signIn) return;
  queryClient.clear();
  void router.navigate(`${paths.signIn}?next=${encodeURIComponent(here)}`, { replace: true });
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
