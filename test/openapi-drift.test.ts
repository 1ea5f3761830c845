import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { generateOpenApiDocument } from "../src/api/openapi-document.ts";

it("docs/openapi.json matches the schemas the server enforces (run `npm run openapi` after changing a route)", async () => {
  const committed = readFileSync(new URL("../docs/openapi.json", import.meta.url), "utf8");
  assert.equal(committed, await generateOpenApiDocument());
});
