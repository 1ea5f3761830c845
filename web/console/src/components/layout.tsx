import { useQuery, useQueryClient } from "@tanstack/react-query";
import { NavLink, Outlet, useNavigate } from "react-router";
import { api } from "../api.ts";
import { paths } from "../paths.ts";
import { CommandPalette } from "./command-palette.tsx";
import { ErrorNote, Time } from "./ui.tsx";

interface Session {
  principal: string;
  expiresAt: string | null;
}

const NAV = [
  { to: paths.overview, label: "Overview", end: true },
  { to: paths.apps, label: "Applications" },
  { to: paths.messages, label: "Messages" },
  { to: paths.eventTypes, label: "Event types" },
  { to: paths.recovery, label: "Recovery" },
  { to: paths.inbound, label: "Inbound" },
  { to: paths.admin, label: "Administration" },
];

/** The frame of every signed-in page: navigation, the session's end and logout. */
export function Layout() {
  const session = useQuery({ queryKey: ["session"], queryFn: () => api<Session>("GET", "/console/session") });
  const navigate = useNavigate();
  const client = useQueryClient();

  async function logout() {
    await api("DELETE", "/console/session").catch(() => undefined);
    client.clear();
    void navigate(paths.signIn, { replace: true });
  }

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Hookline</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <NavLink to={n.to} end={n.end}>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <CommandPalette />
        <div className="session">
          {session.data?.expiresAt ? (
            <span className="muted">
              Session until <Time iso={session.data.expiresAt} />
            </span>
          ) : null}
          <button
            type="button"
            onClick={() => void logout()}
            title={
              session.data?.expiresAt ? `Session until ${new Date(session.data.expiresAt).toLocaleString()}` : undefined
            }
          >
            Log out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {session.isError ? <ErrorNote error={session.error} /> : null}
        {session.isSuccess ? <Outlet /> : null}
      </main>
    </div>
  );
}
