import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { configurationMarkdown } from "../src/main/settings-reference.ts";

/** Writes docs/configuration.md from the settings reference, formatted as `prettier --check` expects. */
export async function formattedConfigurationDocs(file: string): Promise<string> {
  const options = (await resolveConfig(file)) ?? {};
  return format(configurationMarkdown(), { ...options, filepath: file });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const target = fileURLToPath(new URL("../docs/configuration.md", import.meta.url));
  writeFileSync(target, await formattedConfigurationDocs(target));
  console.log(`wrote ${target}`);
}
