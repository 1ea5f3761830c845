import { useQuery } from "@tanstack/react-query";
import { api, type Page } from "../api.ts";

/** The catalog's event-type names as suggestions for a text field (`list={id}`), so types are chosen, not retyped. */
export function EventTypeOptions({ id }: { id: string }) {
  const types = useQuery({
    queryKey: ["event-types", false],
    queryFn: () => api<Page<{ name: string }>>("GET", "/event-type?limit=250&with_content=false"),
  });
  return (
    <datalist id={id}>
      {types.data?.data.map((t) => (
        <option key={t.name} value={t.name} />
      ))}
    </datalist>
  );
}
