import { NavLink, Outlet } from "react-router";
import type { PortalOptions } from "./options.ts";
import { portalPaths } from "./paths.ts";

const NAV = [
  { to: portalPaths.endpoints, label: "Endpoints", end: true },
  { to: portalPaths.eventTypes, label: "Event catalog" },
  { to: portalPaths.inspector, label: "Inspector" },
];

/** The frame of every portal page: the operator's logo and the navigation, unless hidden (`noNav`). */
export function PortalLayout({ options }: { options: PortalOptions }) {
  return (
    <div className="shell portal">
      <a className="skip" href="#main">
        Skip to content
      </a>
      {options.noNav ? null : (
        <header className="top">
          {options.icon ? <img className="portal-logo" src={options.icon} alt="" /> : null}
          <span className="brand">Webhooks</span>
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
        </header>
      )}
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
