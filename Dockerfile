# Atrium's image: a bookworm build stage that installs the dependencies with
# the same script as CI and builds the binary with the same command
# (`make build`: CMake release build of the atrium target), and a
# bookworm-slim runtime stage with only the shared libraries the binary
# needs, a non-root user and atrium as the entrypoint.
#
#   docker build -t atrium .
#
# Without a Docker engine, scripts/docker-chroot.sh runs these same steps in
# debootstrap chroots of bookworm.

FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN ./scripts/install-deps.sh && make build

FROM debian:bookworm-slim AS runtime
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /tmp/install-deps.sh && useradd --system --uid 65532 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin atrium
COPY --from=build /src/build/release/controller/atrium /usr/local/bin/atrium
# Gateway/Ingress listeners on 80 and 443 are served on 8080 and 8443
# (--port-offset 8000); the admin server (/healthz /readyz /metrics) on 9901.
EXPOSE 8080 8443 9901
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/atrium"]
