# syntax=docker/dockerfile:1
# taskwatch: one image for every role. The role is chosen at run time:
#   docker run ... taskwatch                      (bot and worker in one process)
#   docker run ... taskwatch node dist/src/main.js --role=bot
#   docker run ... taskwatch node dist/src/main.js --role=worker
# node:24-slim: Node 24 LTS, with security fixes until April 2028 (Node 20 reached its end of life in
# April 2026). CI tests on Node 20.19+, the oldest the code supports (package.json "engines"); the code uses
# nothing that differs between them.

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# ---- runtime: production dependencies and dist/ only ----
FROM node:24-slim AS runtime
ENV NODE_ENV=production
# glibc gives each thread that allocates its own malloc arenas (up to 8 a core); a worker runs a dispatch
# thread beside its main thread, and two arenas hold its native allocations in less memory (about 10 MiB
# less at rest, measured in docs/benchmarks.md). V8's own heaps do not use malloc and are not affected.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# DATA_DIR (./data) must be writable by the non-root user: the generated secret key lives there
# when SECRET_KEY is not set.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
# slim has no curl: ask node itself. HTTP_PORT follows the app's own setting (default 8080).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
CMD ["node", "dist/src/main.js"]
