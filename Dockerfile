# The connector as an Airbyte source image; the release workflow publishes it as
# ghcr.io/source-aircall/source-aircall (metadata.yaml). Build: docker build -t source-aircall .
FROM denoland/deno:debian-2.9.6

WORKDIR /airbyte/integration_code
ENV DENO_DIR=/airbyte/integration_code/.deno_dir

# Dependencies first (cached as a layer), then the code; both cached at
# build time so the container needs no network but the Aircall API.
COPY deno.json deno.lock ./
COPY mod.ts ./
COPY src ./src
RUN deno cache --frozen mod.ts

RUN useradd --create-home --user-group airbyte \
  && mkdir -p /airbyte \
  && chown -R airbyte:airbyte /airbyte
USER airbyte

# The flags of scripts/run_flags.ts: permissions, and V8 heap sizing that keeps memory flat.
ENV AIRBYTE_ENTRYPOINT="/usr/bin/deno run --cached-only --allow-net --allow-read --allow-env --v8-flags=--max-semi-space-size=2,--heap-growing-percent=50 /airbyte/integration_code/mod.ts"
ENTRYPOINT ["/usr/bin/deno", "run", "--cached-only", "--allow-net", "--allow-read", "--allow-env", "--v8-flags=--max-semi-space-size=2,--heap-growing-percent=50", "/airbyte/integration_code/mod.ts"]

LABEL io.airbyte.name=ghcr.io/source-aircall/source-aircall
LABEL io.airbyte.version=0.1.0
