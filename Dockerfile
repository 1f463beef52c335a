# Placeholder until the install issue: a multi-stage bookworm build that runs
# scripts/install-deps.sh and the same build as CI, and a bookworm-slim
# runtime stage with only the runtime libraries and a non-root user.
FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN ./scripts/install-deps.sh && make build

FROM debian:bookworm-slim
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh
COPY --from=build /src/build/release/controller/atrium /usr/local/bin/atrium
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/atrium"]
