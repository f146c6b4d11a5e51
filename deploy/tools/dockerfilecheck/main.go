// Command dockerfilecheck runs BuildKit's Dockerfile linter — the rules of
// `docker build --check` — without a Docker engine or network. Base images
// are not pulled: a stub resolver hands every FROM an empty image config, so
// rules that need a base image's real config cannot fire, the others do.
//
//	go run ./dockerfilecheck ../../Dockerfile
//
// It exits 1 on any warning or build error.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// offlineResolver answers every image lookup with an empty config.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	img := ocispecs.Image{Platform: ocispecs.Platform{OS: "linux", Architecture: runtime.GOARCH}}
	dt, err := json.Marshal(img)
	if err != nil {
		return "", "", nil, err
	}
	return ref, digest.FromBytes(dt), dt, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dockerfilecheck DOCKERFILE")
		os.Exit(2)
	}
	path := os.Args[1]
	dt, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx := context.Background()
	// The lint report names its source by an LLB definition, as BuildKit's
	// own frontend does; a local source stands in for the build context.
	src := llb.Local("dockerfile")
	def, err := src.Marshal(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockerfilecheck:", err)
		os.Exit(2)
	}
	smap := llb.NewSourceMap(&src, path, "Dockerfile", dt)
	smap.Definition = def
	platform := ocispecs.Platform{OS: "linux", Architecture: runtime.GOARCH}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, dockerfile2llb.ConvertOpt{
		Config: dockerui.Config{
			BuildPlatforms:  []ocispecs.Platform{platform},
			TargetPlatforms: []ocispecs.Platform{platform},
		},
		SourceMap:    smap,
		MetaResolver: offlineResolver{},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockerfilecheck:", err)
		os.Exit(2)
	}
	bad := false
	for _, w := range res.Warnings {
		bad = true
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		fmt.Printf("%s:%d: %s: %s (%s)\n", path, line, w.RuleName, w.Detail, w.URL)
	}
	if res.Error != nil {
		bad = true
		fmt.Printf("%s: build error: %s\n", path, res.Error.Message)
	}
	if bad {
		os.Exit(1)
	}
	fmt.Printf("dockerfilecheck: %s: no findings (BuildKit lint rules)\n", path)
}
