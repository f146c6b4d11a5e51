// Package tools holds the offline validators that deploy/lint.sh runs on the
// deployment files. It is a separate module so that the collector binary's
// go.mod never depends on compose-go, buildkit or the Kubernetes API types.
//
//	dockerfilecheck  BuildKit's own Dockerfile linter (`docker build --check`)
//	composecheck     compose-go, the loader `docker compose config` uses, plus
//	                 what collector needs (networks, hosts, pinned image, ...)
//	k8scheck         strict decoding into the Kubernetes API types, custom
//	                 resources (KEDA) validated against their CRDs with the API
//	                 server's own schema validator (k8s.io/apiextensions-apiserver),
//	                 plus checks of how the manifests refer to each other
//
// Each needs its modules in the Go module cache (first run: network); after
// that they run with GOPROXY=off, which is how deploy/lint.sh calls them.
package tools
