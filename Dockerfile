# syntax=docker/dockerfile:1
# firebreak container image. Node.js 24 runs the TypeScript sources directly (type stripping):
# there is no build step, and the image holds production dependencies only.
# Build and run: see docs/docker.md.

# The official Node.js 24 slim image. Pin a digest (node:24-bookworm-slim@sha256:...) for
# reproducible builds: docker build --build-arg NODE_IMAGE=...
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- deps: production dependencies, exactly as locked.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the test and type-checking tools, and the `node` devDependency that pins
# Node 24 for local use: in the image the base image's Node 24 runs firebreak.
# --ignore-scripts: no production dependency needs an install script; none runs at build time.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime
FROM ${NODE_IMAGE} AS runtime
# NODE_ENV is for libraries (express); firebreak itself never reads it.
ENV NODE_ENV=production \
    FIREBREAK_LISTEN=0.0.0.0:8080 \
    FIREBREAK_DATA_DIR=/var/lib/firebreak \
    FIREBREAK_STORE=/var/lib/firebreak/firebreak.db \
    FIREBREAK_RUNBOOKS=/app/runbooks \
    NODE_COMPILE_CACHE=/app/.cache/node-compile-cache \
    MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
# Application files stay owned by root: the process can read but not change them. Only the data
# directory is writable.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY runbooks ./runbooks
# The compile cache (docs/cli.md) is filled here by a validate of the shipped runbooks and left
# writable by the runtime user, so serve's own modules are cached at its first start.
RUN ln -s /app/bin/firebreak /usr/local/bin/firebreak \
 && mkdir -p /var/lib/firebreak \
 && chown 1000:1000 /var/lib/firebreak \
 && chmod 0700 /var/lib/firebreak \
 && node src/main.ts validate runbooks >/dev/null \
 && chown -R 1000:1000 /app/.cache
# The official image's `node` user, by number so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# The SQLite store and the generated credentials.json live here.
VOLUME ["/var/lib/firebreak"]
EXPOSE 8080
# Node's own fetch, so the image needs no curl. The port follows FIREBREAK_LISTEN.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const port = (process.env.FIREBREAK_LISTEN || '').split(':').pop() || '8080'; fetch('http://127.0.0.1:' + port + '/healthz', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1));"]
# Other commands run the same way: docker run --rm firebreak validate, or docker exec ... firebreak <command>.
# 4 MiB semi-spaces for the main thread's young generation, as bin/firebreak (docs/cli.md).
ENTRYPOINT ["node", "--max-semi-space-size=4", "src/main.ts"]
CMD ["serve"]
