# Hookline's container image (docs/deployment.md).
#
#   docker build -t hookline .
#   docker run -d -p 8080:8080 -v hookline-data:/var/lib/hookline hookline
#
# The base images are build arguments, so that a machine that cannot pull the official Node images
# builds from local ones instead (deploy/container/build-base-images.sh makes them from Debian's
# packages). BUILD_IMAGE needs Node, npm and a C++ toolchain (better-sqlite3 compiles on install);
# NODE_IMAGE needs Node only.
ARG BUILD_IMAGE=node:20-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${BUILD_IMAGE} AS build
WORKDIR /app
# The dependencies first, in their own layer: a change to the sources alone reuses it.
# --ignore-scripts because the `prepare` script (the console build) needs the sources; the two
# packages whose install scripts matter (package.json "allowScripts") are rebuilt explicitly.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
  && npm rebuild better-sqlite3 esbuild
COPY . .
# The web console (served at /) is built into web/console/dist, then the development
# dependencies go, with what Node never loads: the addon's compiler output, source maps and type
# declarations. What stays is what `hookline serve` loads.
# `npm run build` (if the project has one: compiled JavaScript instead of tsx at run time) and its
# dist/ are taken along too.
RUN npm run build:web \
  && npm run --if-present build \
  && npm prune --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src \
     node_modules/better-sqlite3/build/Release/obj.target node_modules/better-sqlite3/build/Release/.deps \
     node_modules/better-sqlite3/build/Release/sqlite3.a \
  && find node_modules \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -type f -delete \
  && mkdir -p /runtime/web/console \
  && cp -r package.json bin src node_modules /runtime/ \
  && if [ -d dist ]; then cp -r dist /runtime/; fi \
  && cp -r web/console/dist /runtime/web/console/dist

FROM ${NODE_IMAGE}
# A fixed uid/gid, not root: volumes and Kubernetes' securityContext (runAsUser, fsGroup) refer to it.
RUN groupadd --system --gid 10001 hookline \
  && useradd --system --uid 10001 --gid hookline --home-dir /var/lib/hookline --shell /usr/sbin/nologin hookline \
  && mkdir -p /var/lib/hookline \
  && chown hookline:hookline /var/lib/hookline
# The application is owned by root and read-only to the process; only the data directory is its.
COPY --from=build /runtime /app
ENV NODE_ENV=production \
    HOOKLINE_HOST=0.0.0.0 \
    HOOKLINE_PORT=8080 \
    HOOKLINE_DATA_DIR=/var/lib/hookline
# The SQLite database, and the admin token and master key generated on first start, live here.
VOLUME ["/var/lib/hookline"]
WORKDIR /var/lib/hookline
USER hookline:hookline
EXPOSE 8080
# Hookline's graceful shutdown (in-flight deliveries finish, leases are released) runs on SIGTERM;
# give `docker stop -t` at least HOOKLINE_SHUTDOWN_GRACE plus a few seconds.
STOPSIGNAL SIGTERM
# Node is in every Node image; no curl or wget is needed for the check.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HOOKLINE_PORT || 8080) + '/api/v1/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/hookline.js"]
CMD ["serve"]
