/**
 * What a poller token may call (docs/api.md, "Polling endpoints"): the poller routes, and only for
 * the one polling endpoint it was issued for (auth.ts checks the application and the endpoint the
 * path names). Everything else, logging out included, answers 403; the token is meant for a
 * machine that only reads one stream, so it can do nothing else if it leaks.
 */
const APP = "/api/v1/app/:app_id";

export const POLLER_TOKEN_ROUTES: ReadonlySet<string> = new Set([
  `GET ${APP}/poller/:sink_id`,
  `GET ${APP}/poller/:sink_id/consumer/:consumer_id`,
  `POST ${APP}/poller/:sink_id/consumer/:consumer_id/seek`,
  `GET ${APP}/polling-endpoint/:sink_id/consumer/:consumer_id`,
  `POST ${APP}/polling-endpoint/:sink_id/consumer/:consumer_id/commit`,
]);

/** Whether a poller token may call the route (by method and declared route URL). */
export function pollerTokenAllows(method: string, routeUrl: string): boolean {
  return POLLER_TOKEN_ROUTES.has(`${method === "HEAD" ? "GET" : method} ${routeUrl}`);
}
