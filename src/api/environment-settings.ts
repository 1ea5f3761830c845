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

const Text = (description: string) => Nullable(Type.String({ maxLength: 65_536, description }));
const Flag = (description: string) => Type.Boolean({ description });
/** Theme and string overrides and colour palettes: objects of the portal's own keys. */
const Overrides = (description: string) => Nullable(Type.Record(Type.String(), Type.Unknown(), { description }));

const SETTING_FIELDS = {
  customColor: Text("The portal's accent colour (CSS colour)"),
  logoUrl: Text("The URL of the logo the portal shows"),
  customLogoUrl: Text("Deprecated spelling of `logoUrl`"),
  customFontFamily: Text("The portal's font family, e.g. `Open Sans`"),
  customFontFamilyUrl: Text("Where the portal loads that font from"),
  customThemeOverride: Overrides("Theme overrides: `borderRadius`, `fontSize`"),
  customStringsOverride: Overrides("Replacement texts: `channelsOne`, `channelsMany`, `channelsHelp`"),
  displayName: Text("The name the portal shows for the operator"),
  enableChannels: Flag("Show channels in the portal"),
  enableMessageTags: Flag("Show message tags in the portal"),
  enableMessageStream: Flag("Enable the message stream"),
  enableIntegrationManagement: Flag("Let consumers manage integrations"),
  enableTransformations: Flag("Let consumers edit transformations"),
  enableEndpointOauthConfig: Flag("Let consumers configure OAuth for endpoints"),
  enableEndpointMtlsConfig: Flag("Let consumers configure mTLS for endpoints"),
  colorPaletteLight: Overrides("The light theme's colours"),
  colorPaletteDark: Overrides("The dark theme's colours"),
  showUseSvixPlay: Flag("Offer a test URL service in the portal"),
  showSvixBrandFooter: Flag("Show the platform's brand footer"),
  wipeSuccessfulPayload: Flag("Delete payloads once delivered"),
  showFeatureTooltips: Flag("Show feature tooltips in the portal"),
  advancedEndpointTypes: Type.Array(Type.String({ maxLength: 256 }), {
    maxItems: 50,
    description: "Advanced endpoint types offered in the portal",
  }),
};

export const EnvironmentSettingsOut = Type.Object(SETTING_FIELDS, {
  description: "The environment's settings (Svix's names); stored and returned, not yet read by the console or portal",
});
export type EnvironmentSettings = Static<typeof EnvironmentSettingsOut>;

/**
 * What an import may set: any of the fields, each optional. Open (`additionalProperties`), as
 * Svix's import takes settings as a JSON blob: a field this version does not know is accepted
 * and dropped rather than failing an export made by a newer Svix or Hookline.
 */
export const EnvironmentSettingsIn = Type.Partial(Type.Object(SETTING_FIELDS), {
  additionalProperties: true,
  description: "Settings to set; the others keep their values, and names this version does not know are ignored",
});
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
