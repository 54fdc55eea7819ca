# Multi-stage build of the API and the projector (one image; the projector
# overrides the command). Never built on the development machines
# (they have no Docker engine); see README, "Production".
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production DATA_DIR=/data PORT=3000
# The memory budget the product specification sets (300 MB resident): without a cap V8 lets garbage of a catch-up pile up to
# hundreds of MB before collecting it. Override NODE_OPTIONS to give a process more.
ENV NODE_OPTIONS=--max-old-space-size=256
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The CLI's launchers (sd, desk-token), so operators run it inside the container as on a checkout.
COPY --from=build /app/apps/cli/bin ./apps/cli/bin
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
CMD ["node", "dist/apps/api/apps/api/src/main.js"]
