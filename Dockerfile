# dockgate: a mutual-TLS gateway for the Docker Engine API.
#
#   docker build -t dockgate .
#   docker run -d --name dockgate --read-only --cap-drop ALL --security-opt no-new-privileges \
#     --user 10001:$(stat -c %g /var/run/docker.sock) --network host \
#     -v /var/run/docker.sock:/var/run/docker.sock -v dockgate-certs:/var/lib/dockgate/certs dockgate
#
# See docs/deployment.md. The base is pinned by a build argument so that CI (which has no
# registry) can supply an imported Debian bookworm + Node.js 20 image instead.
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: dev dependencies, TypeScript compile, then prune to production dependencies ----
FROM ${NODE_IMAGE} AS build
# The npm registry the build stage installs from (CI passes `npm config get registry`).
ARG NPM_REGISTRY=https://registry.npmjs.org/
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --registry "${NPM_REGISTRY}"
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund --registry "${NPM_REGISTRY}" \
 && chmod 0755 dist/cli/main.js

# ---- runtime: production dependencies only, non-root, nothing writable but the state dir ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    DOCKGATE_HEALTH_URL=http://127.0.0.1:9376/healthz
# A fixed uid/gid so host-side volumes can be chowned once (chown 10001 DIR). At run time the
# group is normally replaced by the docker socket's group (--user 10001:GID or --group-add GID).
RUN groupadd --system --gid 10001 dockgate \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/dockgate --no-create-home \
      --shell /usr/sbin/nologin dockgate \
 && mkdir -p /var/lib/dockgate/certs /etc/dockgate \
 && chown 10001:10001 /var/lib/dockgate /var/lib/dockgate/certs \
 && chmod 0700 /var/lib/dockgate/certs
# The runtime finds package.json and config/policies relative to dist/, so all three sit
# side by side under /opt/dockgate (owned by root: the gateway cannot modify its own code).
WORKDIR /opt/dockgate
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY config ./config
RUN ln -s /opt/dockgate/dist/cli/main.js /usr/local/bin/dockgate

# `dockgate serve` without a config uses ./certs, so the working directory makes that
# /var/lib/dockgate/certs: an empty volume there gets a fresh CA, server cert and admin bundle.
WORKDIR /var/lib/dockgate
VOLUME ["/var/lib/dockgate/certs"]
USER 10001:10001
EXPOSE 2376
# SIGTERM drains in-flight requests (limits.shutdownGraceMs) before the process exits.
STOPSIGNAL SIGTERM
# The admin listener's /healthz; set DOCKGATE_HEALTH_URL when `admin:` listens elsewhere, or
# to https://... with admin.tls (the container's own listener: its certificate is not checked).
# With admin.tls.ca the listener wants a client certificate this check does not have.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const u=process.env.DOCKGATE_HEALTH_URL;require(u.startsWith('https:')?'https':'http').get(u,{rejectUnauthorized:false},(r)=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).setTimeout(4000,function(){this.destroy()})"]
# --max-semi-space-size=4: less resident memory, some CPU under many concurrent clients;
# see docs/deployment.md ("Young generation") for the trade-off and how to choose 16.
# --inspect-port=0.0.0.1:9229: a SIGUSR1 before `serve` takes the signal over cannot open the
# inspector (Node 20 has no --disable-sigusr1); see src/cli/main.ts.
ENTRYPOINT ["node", "--max-semi-space-size=4", "--inspect-port=0.0.0.1:9229", "/opt/dockgate/dist/cli/main.js"]
CMD ["serve"]
