import { SETTINGS, type SettingName } from "../config.ts";
import { SETTINGS_REFERENCE, settingNames, shownSettingValue } from "./settings-reference.ts";

/** One setting as the running process has it, for `GET /api/v1/environment/configuration`. */
export interface ConfiguredSetting {
  name: SettingName;
  env: string;
  flag: string;
  /** Where the value came from: a command-line flag (which wins), the environment, or nothing (the default). */
  source: "flag" | "environment" | "default";
  /** The value as given (secrets "(hidden)", a database URL's password starred), or the default as a person reads it. */
  value: string;
  /** Whether the setting is a secret: its value is never shown, only whether it was given. */
  secret: boolean;
  meaning: string;
}

/** Where this process read its settings: the CLI passes the environment and its flags. */
export interface SettingsGiven {
  env: NodeJS.ProcessEnv;
  flags: Partial<Record<SettingName, string>>;
}

/**
 * Every setting of config.ts with its value and source. loadConfig already accepted these
 * values, so each is shown as given (trimmed); the parsed form is what config.ts documents.
 */
export function effectiveConfiguration(given: SettingsGiven): ConfiguredSetting[] {
  return settingNames().map((name) => {
    const s = SETTINGS[name];
    const ref = SETTINGS_REFERENCE[name];
    const flag = given.flags[name]?.trim();
    const env = given.env[s.env]?.trim();
    const source = flag ? "flag" : env ? "environment" : "default";
    const raw = flag || env;
    return {
      name,
      env: s.env,
      flag: `--${s.flag}`,
      source,
      value: raw ? shownSettingValue(name, raw) : (ref?.default ?? ""),
      secret: ref?.secret === true,
      meaning: ref?.meaning ?? "",
    };
  });
}
