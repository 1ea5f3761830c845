import { useId } from "react";
import type { SourceTypeForm } from "./source-types.ts";

/**
 * The provider settings of one source type, as grid-form rows. When editing, a secret field left
 * empty keeps the stored secret only if nothing else of the config changes (the API replaces the
 * config whole); its placeholder says whether one is set.
 */
export function SourceConfigFields({
  form,
  values,
  onChange,
  stored,
}: {
  form: SourceTypeForm;
  values: Record<string, string>;
  onChange: (name: string, value: string) => void;
  /** The source's redacted config when editing: `hasSecret` and the like. */
  stored?: Record<string, unknown>;
}) {
  const id = useId();
  if (form.fields.length === 0) return <p className="span muted note">This type takes no settings.</p>;
  return (
    <>
      {form.fields.map((f) => {
        const fieldId = `${id}-${f.name}`;
        const hintId = f.hint ? `${fieldId}-hint` : undefined;
        const isSet = stored?.[`has${f.name[0]!.toUpperCase()}${f.name.slice(1)}`] === true;
        const placeholder = f.secret && stored ? (isSet ? "(set; type to replace)" : "(not set)") : f.placeholder;
        const common = {
          id: fieldId,
          name: f.name,
          value: values[f.name] ?? "",
          "aria-describedby": hintId,
          required: f.required && !(f.secret && stored),
        };
        return (
          <div className="field-row" key={f.name}>
            <label htmlFor={fieldId}>{f.label}</label>
            <div>
              {f.kind === "select" ? (
                <select {...common} onChange={(e) => onChange(f.name, e.target.value)}>
                  <option value="">default ({f.options![0]})</option>
                  {f.options!.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : f.kind === "textarea" ? (
                <textarea
                  {...common}
                  rows={4}
                  placeholder={placeholder}
                  onChange={(e) => onChange(f.name, e.target.value)}
                />
              ) : (
                <input
                  {...common}
                  type={f.secret ? "password" : f.kind === "number" ? "number" : "text"}
                  autoComplete={f.secret ? "new-password" : "off"}
                  placeholder={placeholder}
                  onChange={(e) => onChange(f.name, e.target.value)}
                />
              )}
              {f.hint ? (
                <small id={hintId} className="muted hint">
                  {f.hint}
                </small>
              ) : null}
            </div>
          </div>
        );
      })}
    </>
  );
}
