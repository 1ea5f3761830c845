import { useEffect, useState } from "react";
import { leafPaths, mappingExpression, type MappedField } from "../lib/field-mapping.ts";

type Field = MappedField;

/**
 * The no-code mapper: the sample payload's fields, each kept or dropped and renamed; "Use this
 * mapping" writes the JSONata for the user (into the editor, where it can be refined by hand).
 */
export function FieldMapper({ sample, onWrite }: { sample: unknown; onWrite: (code: string) => void }) {
  const [fields, setFields] = useState<Field[]>([]);
  const key = JSON.stringify(sample);
  useEffect(() => {
    setFields(leafPaths(sample).map((path) => ({ path, include: true, as: path[path.length - 1]! })));
    // The sample's content, not its identity, decides the rows.
  }, [key]);
  if (!fields.length) return <p className="muted">The sample payload has no fields to map.</p>;
  const edit = (i: number, change: Partial<Field>) =>
    setFields((now) => now.map((f, j) => (j === i ? { ...f, ...change } : f)));
  return (
    <>
      <table className="mapper">
        <thead>
          <tr>
            <th scope="col">Keep</th>
            <th scope="col">Field of the sample</th>
            <th scope="col">Sent as</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f, i) => {
            const name = f.path.join(".");
            return (
              <tr key={name}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Keep ${name}`}
                    checked={f.include}
                    onChange={(e) => edit(i, { include: e.target.checked })}
                  />
                </td>
                <td className="mono">{name}</td>
                <td>
                  <input
                    type="text"
                    aria-label={`Send ${name} as`}
                    value={f.as}
                    disabled={!f.include}
                    onChange={(e) => edit(i, { as: e.target.value })}
                  />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p>
        <button type="button" onClick={() => onWrite(mappingExpression(fields))}>
          Use this mapping
        </button>{" "}
        <span className="muted">writes the JSONata into the editor (replacing what is there).</span>
      </p>
    </>
  );
}
