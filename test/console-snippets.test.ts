import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, test } from "node:test";
import jsonata from "jsonata";
import { curlCommand, sdkCall, shellQuote } from "../web/console/src/lib/api-call.ts";
import { leafPaths, mappingExpression } from "../web/console/src/lib/field-mapping.ts";
import { diffLines } from "../web/console/src/lib/line-diff.ts";

/**
 * The console's text builders, without a browser: the curl command as a real POSIX shell parses
 * it, the SDK call's arguments, the field mapper's JSONata as the real jsonata evaluates it, and
 * the attempt diff. (test/console-endpoint-editing.test.ts runs them end to end in Chromium.)
 */

/** The words a shell passes to `curl` for a command, with HOOKLINE_TOKEN set in its environment. */
function shellWords(command: string): string[] {
  const script = `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${command}`;
  const out = execFileSync("/bin/sh", ["-c", script], { env: { HOOKLINE_TOKEN: "tok_123" } }).toString();
  return out.split("\0").slice(0, -1);
}

describe("copy as curl", () => {
  test("shellQuote survives quotes, dollars, backslashes and newlines", () => {
    const tricky = `Acme's "hooks" $HOME \\ back\nline 'two'`;
    assert.deepEqual(shellWords(`curl ${shellQuote(tricky)}`), [tricky]);
  });

  test("the command's method, URL, token from the environment and exact body", () => {
    const body = { description: "Acme's $production", eventTypes: ["invoice.*"] };
    const command = curlCommand("http://127.0.0.1:8080", { method: "PATCH", path: "/app/app_1/endpoint/ep_1", body });
    assert.ok(!command.includes("tok_123"));
    const words = shellWords(command);
    assert.deepEqual(words.slice(0, 3), ["-X", "PATCH", "http://127.0.0.1:8080/api/v1/app/app_1/endpoint/ep_1"]);
    assert.ok(words.includes("Authorization: Bearer tok_123"));
    assert.deepEqual(JSON.parse(words[words.indexOf("-d") + 1]!), body);
  });
});

describe("copy as SDK call", () => {
  test("sends what the svix model has and names what it leaves out", () => {
    const snippet = sdkCall("http://h", {
      method: "PATCH",
      path: "/app/app_1/endpoint/ep_1",
      body: { description: "d", throttleRate: 5, filter: "payload.x > 1", version: 2 },
    })!;
    assert.match(
      snippet,
      /await svix\.endpoint\.patch\("app_1", "ep_1", \{\n {2}description: "d",\n {2}throttleRate: 5,\n\}\);/,
    );
    assert.match(snippet, /left out here \(the curl command sends them\): filter, version\./);
    assert.match(snippet, /new Svix\(process\.env\.HOOKLINE_TOKEN, \{ serverUrl: "http:\/\/h" \}\)/);
  });

  test("resend takes no body; recover's times are Dates; unknown routes have no snippet", () => {
    const resend = sdkCall("http://h", { method: "POST", path: "/app/a/msg/m/endpoint/e/resend", body: {} })!;
    assert.match(resend, /await svix\.messageAttempt\.resend\("a", "m", "e"\);/);
    const recover = sdkCall("http://h", {
      method: "POST",
      path: "/app/a/endpoint/e/recover",
      body: { since: "2026-12-01T00:00:00.000Z" },
    })!;
    assert.match(recover, /since: new Date\("2026-12-01T00:00:00.000Z"\)/);
    assert.equal(sdkCall("http://h", { method: "GET", path: "/app" }), null);
  });
});

describe("field mapper", () => {
  const sample = {
    invoice: "in_1",
    "first-name": "Ada",
    customer: { id: "cus_1", address: { city: "Paris" } },
    tags: ["a"],
  };

  test("lists the leaves of nested objects", () => {
    assert.deepEqual(leafPaths(sample), [
      ["invoice"],
      ["first-name"],
      ["customer", "id"],
      ["customer", "address", "city"],
      ["tags"],
    ]);
  });

  test("its JSONata, evaluated by jsonata, keeps, renames and drops", async () => {
    const fields = leafPaths(sample).map((path) => ({ path, include: true, as: path.at(-1)! }));
    fields[0]!.include = false;
    fields[1]!.as = "name";
    fields[3]!.as = "city";
    const result = await jsonata(mappingExpression(fields)).evaluate({ payload: sample });
    assert.deepEqual(JSON.parse(JSON.stringify(result)), { name: "Ada", id: "cus_1", city: "Paris", tags: ["a"] });
  });
});

describe("attempt diff", () => {
  test("marks removed and added lines around the common ones", () => {
    assert.deepEqual(diffLines("a\nb\nc", "a\nx\nc"), [
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "x" },
      { kind: "same", text: "c" },
    ]);
  });
});
