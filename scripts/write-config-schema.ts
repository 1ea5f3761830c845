import { writeFileSync } from "node:fs";
import { publishedSchema } from "../src/cli/config-as-code/file-schema.ts";

// The JSON Schema of `hookline plan` / `hookline apply` files, for editors (docs/cli.md).
const target = new URL("../docs/hookline-config.schema.json", import.meta.url);
writeFileSync(target, JSON.stringify(publishedSchema(), null, 2) + "\n");
console.log(`wrote ${target.pathname}`);
