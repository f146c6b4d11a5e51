# collector container image.
#
# One static binary, no shell, no libc: `collector supervise` is the
# container command and starts its children by re-executing itself
# (/usr/local/bin/collector child ...), so nothing else is needed at run time.
#
# Build:    docker build --build-arg VERSION=<tag> -t ghcr.io/teampew/collector:<tag> .
# (the one image name every file in deploy/ runs, always with a release tag)
# Outside Docker, deploy/build-static.sh builds the same binary with the same
# flags and checks that it is static (there is no Docker engine on the
# development machines). Keep the two in step: deploy/lint.sh compares them.

# Pinned to the Go release the project is built and tested with (go.mod says
# go 1.26.0, the machines run 1.26.8); bump together with them.
ARG GO_VERSION=1.26.8

# The builder runs on the build machine's platform and cross-compiles, so a
# multi-arch build (--platform linux/amd64,linux/arm64) needs no emulation.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src

# Dependencies first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download

COPY . .

ARG VERSION=dev
ARG TARGETOS=linux
ARG TARGETARCH=amd64
# CGO_ENABLED=0: a static binary for the distroless/static base.
# -trimpath and -buildvcs=false: no build-machine paths or VCS stamps in the
# binary, so the same source and Go version give the same bytes.
# -s -w: no symbol table or DWARF (about a third smaller).
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/collector ./cmd/collector

# distroless/static: CA certificates, tzdata, /etc/passwd with the nonroot
# user (65532) and a world-writable /tmp, nothing else. The supervisor needs
# a writable TMPDIR: go-plugin puts each child's Unix socket in a fresh
# directory there. With a read-only root filesystem, mount a tmpfs on /tmp.
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/collector /usr/local/bin/collector

# Numeric, so Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532

# /metrics, /healthz and /readyz (--metrics-addr / METRICS_ADDR).
EXPOSE 9093

# `collector healthcheck` asks the local /healthz (the image has no curl).
# start-period covers the children's start; a live supervisor answers within
# milliseconds even while every child is busy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["collector", "healthcheck"]

# No ENTRYPOINT: `docker run IMAGE collector migrate` and
# `docker run IMAGE collector child --message m.json --dry-run` work as written.
CMD ["collector", "supervise"]
