import { Type, type Static } from "@sinclair/typebox";
import type { Store } from "../store/store.ts";
import { Nullable } from "./common-schemas.ts";

/**
 * The environment's settings in Svix's shape (`GET /api/v1/environment/settings`, and the
 * `settings` of an environment export or import). Svix's portal reads them for branding and
 * feature switches; Hookline keeps them, returns them and carries them through export and import,
 * so an environment moved from Svix or between Hookline instances loses nothing, but its console
 * and portal do not read them yet (docs/api.md, "Environment").
 */

const Text = Nullable(Type.String({ maxLength: 65_536 }));
const Flag = Type.Boolean();
/** Theme and string overrides and colour palettes: objects of the portal's own keys. */
const Overrides = Nullable(Type.Record(Type.String(), Type.Unknown()));

const SETTING_FIELDS = {
  customColor: Text,
  logoUrl: Text,
  customLogoUrl: Text,
  customFontFamily: Text,
  customFontFamilyUrl: Text,
  customThemeOverride: Overrides,
  customStringsOverride: Overrides,
  displayName: Text,
  enableChannels: Flag,
  enableMessageTags: Flag,
  enableMessageStream: Flag,
  enableIntegrationManagement: Flag,
  enableTransformations: Flag,
  enableEndpointOauthConfig: Flag,
  enableEndpointMtlsConfig: Flag,
  colorPaletteLight: Overrides,
  colorPaletteDark: Overrides,
  showUseSvixPlay: Flag,
  showSvixBrandFooter: Flag,
  wipeSuccessfulPayload: Flag,
  showFeatureTooltips: Flag,
  advancedEndpointTypes: Type.Array(Type.String({ maxLength: 256 }), { maxItems: 50 }),
};

export const EnvironmentSettingsOut = Type.Object(SETTING_FIELDS);
export type EnvironmentSettings = Static<typeof EnvironmentSettingsOut>;

/**
 * What an import may set: any of the fields, each optional. Open (`additionalProperties`), as
 * Svix's import takes settings as a JSON blob: a field this version does not know is accepted
 * and dropped rather than failing an export made by a newer Svix or Hookline.
 */
export const EnvironmentSettingsIn = Type.Partial(Type.Object(SETTING_FIELDS), { additionalProperties: true });
export type EnvironmentSettingsIn = Static<typeof EnvironmentSettingsIn>;

/** Svix's defaults: a fresh environment answers these. */
export const DEFAULT_SETTINGS: EnvironmentSettings = {
  customColor: null,
  logoUrl: null,
  customLogoUrl: null,
  customFontFamily: null,
  customFontFamilyUrl: null,
  customThemeOverride: null,
  customStringsOverride: null,
  displayName: null,
  enableChannels: false,
  enableMessageTags: false,
  enableMessageStream: false,
  enableIntegrationManagement: false,
  enableTransformations: false,
  enableEndpointOauthConfig: false,
  enableEndpointMtlsConfig: false,
  colorPaletteLight: null,
  colorPaletteDark: null,
  showUseSvixPlay: true,
  showSvixBrandFooter: false,
  wipeSuccessfulPayload: false,
  showFeatureTooltips: false,
  advancedEndpointTypes: [],
};

/** The row of the `setting` table that holds them, as JSON of the fields set so far. */
const SETTING_NAME = "environment_settings";

const KNOWN = Object.keys(DEFAULT_SETTINGS) as (keyof EnvironmentSettings)[];

export async function readEnvironmentSettings(store: Store): Promise<EnvironmentSettings> {
  const stored = await store.settings.get(SETTING_NAME);
  return { ...DEFAULT_SETTINGS, ...(stored ? (JSON.parse(stored) as Partial<EnvironmentSettings>) : {}) };
}

/** Sets the given known fields; the others keep their values (an import adds and updates, never clears). */
export async function mergeEnvironmentSettings(store: Store, given: EnvironmentSettingsIn): Promise<void> {
  const stored = await store.settings.get(SETTING_NAME);
  const merged: Record<string, unknown> = stored ? (JSON.parse(stored) as Record<string, unknown>) : {};
  for (const key of KNOWN) if (given[key] !== undefined) merged[key] = given[key];
  await store.settings.put(SETTING_NAME, JSON.stringify(merged));
}
