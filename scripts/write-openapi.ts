import { writeFileSync } from "node:fs";
import { generateOpenApiDocument } from "../src/api/openapi-document.ts";

const target = new URL("../docs/openapi.json", import.meta.url);
writeFileSync(target, await generateOpenApiDocument());
console.log(`wrote ${target.pathname}`);
