import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { api, enc, query, type Page } from "../api.ts";
import { EffectiveConfiguration } from "../components/effective-configuration.tsx";
import { ConfirmButton, ErrorNote, Loading, Pager, Section, Time } from "../components/ui.tsx";

interface Token {
  id: string;
  name: string;
  appId: string | null;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  path: string;
  appId: string | null;
  status: number;
  timestamp: string;
}

/** Administration: API tokens (create, shown once; list; revoke) and the audit log. */
export function Administration() {
  return (
    <>
      <h1>Administration</h1>
      <Tokens />
      <AuditLog />
      <EffectiveConfiguration />
    </>
  );
}

function stateOf(t: Token): string {
  const now = Date.now();
  if (t.revokedAt && Date.parse(t.revokedAt) <= now) return "revoked";
  if (t.expiresAt && Date.parse(t.expiresAt) <= now) return "expired";
  return "active";
}

function Tokens() {
  const [iterator, setIterator] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const client = useQueryClient();
  const tokens = useQuery({
    queryKey: ["tokens", iterator],
    queryFn: () => api<Page<Token>>("GET", "/auth/token" + query({ limit: 50, iterator })),
  });
  const create = useMutation({
    mutationFn: () =>
      api<Token & { token: string }>("POST", "/auth/token", {
        name,
        ...(days ? { expiresIn: Math.round(Number(days) * 86_400) } : {}),
      }),
    onSuccess: () => {
      setName("");
      setDays("");
      void client.invalidateQueries({ queryKey: ["tokens"] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api("DELETE", `/auth/token/${enc(id)}`),
    onSuccess: () => void client.invalidateQueries({ queryKey: ["tokens"] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate();
  };
  return (
    <Section title="API tokens">
      <p className="muted">
        Issued admin tokens and application tokens. The bootstrap admin token is not listed. Console sessions are tokens
        too (named “console session”): revoking one signs that browser out.
      </p>
      <ErrorNote error={tokens.error ?? revoke.error} />
      {tokens.isPending ? <Loading what="tokens" /> : null}
      {tokens.data ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">id</th>
              <th scope="col">Scope</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.data.map((t) => (
              <tr key={t.id}>
                <td>{t.name || <span className="muted">—</span>}</td>
                <td className="mono">{t.id}</td>
                <td>{t.appId ? <span className="mono">{t.appId}</span> : "admin"}</td>
                <td>
                  <Time iso={t.createdAt} />
                </td>
                <td>{t.expiresAt ? <Time iso={t.expiresAt} /> : "never"}</td>
                <td>{stateOf(t)}</td>
                <td>
                  {stateOf(t) === "active" ? (
                    <ConfirmButton
                      label="Revoke"
                      confirmLabel={`Revoke ${t.name || t.id}`}
                      danger
                      onConfirm={() => revoke.mutate(t.id)}
                    />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager page={tokens.data} iterator={iterator} onChange={setIterator} />
      <form className="grid-form" onSubmit={submit} aria-label="Create an admin token">
        <h3 className="span">Create an admin token</h3>
        <label htmlFor="token-name">Name</label>
        <input id="token-name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="ci" />
        <label htmlFor="token-days">Expires after (days, empty for never)</label>
        <input
          id="token-days"
          type="number"
          min={1}
          step="any"
          value={days}
          onChange={(e) => setDays(e.target.value)}
        />
        <div />
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <ErrorNote error={create.error} />
      {create.data ? (
        <div role="status" className="confirm-box">
          <p>
            Token <strong>{create.data.name}</strong> created. Copy it now: it is shown only once.
          </p>
          <code className="secret" data-testid="new-token">
            {create.data.token}
          </code>
        </div>
      ) : null}
    </Section>
  );
}

function AuditLog() {
  const [iterator, setIterator] = useState<string | null>(null);
  const audit = useQuery({
    queryKey: ["audit", iterator],
    queryFn: () => api<Page<AuditEntry>>("GET", "/audit-log" + query({ limit: 50, iterator })),
  });
  return (
    <Section title="Audit log">
      <p className="muted">Every configuration change made through the API: who, what, where and when.</p>
      <ErrorNote error={audit.error} />
      {audit.isPending ? <Loading what="the audit log" /> : null}
      {audit.data ? (
        audit.data.data.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Path</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {audit.data.data.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Time iso={e.timestamp} />
                  </td>
                  <td className="mono">{e.actor}</td>
                  <td className="mono">{e.action}</td>
                  <td className="mono break">{e.path}</td>
                  <td>{e.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No change yet.</p>
        )
      ) : null}
      <Pager page={audit.data} iterator={iterator} onChange={setIterator} />
    </Section>
  );
}
