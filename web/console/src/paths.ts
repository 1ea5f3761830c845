import { CONSOLE_PAGES } from "../../../src/api/console-pages.ts";

/** The console's paths, built from the segments the server answers (src/api/console-pages.ts). */
const [signIn, apps, messages, recovery, admin, eventTypes, inbound] = CONSOLE_PAGES;
const e = encodeURIComponent;

export const paths = {
  overview: "/",
  signIn: `/${signIn}`,
  apps: `/${apps}`,
  app: (appId: string) => `/${apps}/${e(appId)}`,
  endpoint: (appId: string, endpointId: string, tab?: string) =>
    `/${apps}/${e(appId)}/endpoints/${e(endpointId)}${tab ? `?tab=${tab}` : ""}`,
  messages: `/${messages}`,
  appMessages: (appId: string) => `/${messages}?app=${e(appId)}`,
  message: (appId: string, msgId: string) => `/${apps}/${e(appId)}/messages/${e(msgId)}`,
  attempt: (appId: string, msgId: string, attemptId: string) =>
    `/${apps}/${e(appId)}/messages/${e(msgId)}/attempts/${e(attemptId)}`,
  attemptDiff: (appId: string, msgId: string, a: string, b: string) =>
    `/${apps}/${e(appId)}/messages/${e(msgId)}/compare?a=${e(a)}&b=${e(b)}`,
  recovery: `/${recovery}`,
  admin: `/${admin}`,
  eventTypes: `/${eventTypes}`,
  inbound: `/${inbound}`,
  source: (sourceId: string) => `/${inbound}/${e(sourceId)}`,
} as const;
