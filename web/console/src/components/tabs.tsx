import type { ReactNode } from "react";
import { useSearchParams } from "react-router";

/**
 * Tabs whose choice is kept in the address (`?tab=`), so a reload or a shared link opens the same
 * tab: the console's endpoint page and the portal's.
 */

/** The chosen tab: `?tab=` if it names one of `tabs`, otherwise `fallback`; and how to choose another. */
export function useTabParam<T extends string>(
  tabs: readonly (readonly [T, string])[],
  fallback: T,
): [T, (tab: T) => void] {
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab = tabs.some(([t]) => t === asked) ? (asked as T) : fallback;
  return [tab, (next) => setParams({ tab: next }, { replace: true })];
}

/** The tab buttons and the panel of the chosen one (`children`). */
export function TabPanel<T extends string>({
  label,
  tabs,
  tab,
  onChoose,
  children,
}: {
  label: string;
  tabs: readonly (readonly [T, string])[];
  tab: T;
  onChoose: (tab: T) => void;
  children: ReactNode;
}) {
  return (
    <>
      <div role="tablist" aria-label={label} className="tabs">
        {tabs.map(([key, text]) => (
          <button
            key={key}
            role="tab"
            type="button"
            id={`tab-${key}`}
            aria-selected={tab === key}
            aria-controls="tabpanel"
            onClick={() => onChoose(key)}
          >
            {text}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="tabpanel" aria-labelledby={`tab-${tab}`}>
        {children}
      </div>
    </>
  );
}
