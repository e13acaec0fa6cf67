package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cpec-digital/indus/tiles/archive"
)

// archiveList is the repeatable --pmtiles flag: the first use on the command line replaces the
// list from the file or the environment, later ones add to it.
type archiveList struct {
	list *[]string
	set  bool
}

func (a *archiveList) String() string {
	if a == nil || a.list == nil {
		return ""
	}
	return strings.Join(*a.list, ",")
}

func (a *archiveList) Set(v string) error {
	if !a.set {
		*a.list, a.set = nil, true
	}
	*a.list = append(*a.list, v)
	return nil
}

// archiveSpecs parses the configured archives (NAME=PATH_OR_URL each).
func archiveSpecs(list []string) ([]archive.Spec, error) {
	var specs []archive.Spec
	seen := map[string]bool{}
	for _, s := range list {
		sp, err := archive.ParseSpec(s)
		if err != nil {
			return nil, err
		}
		if seen[sp.Name] {
			return nil, fmt.Errorf("pmtiles archive name %q given twice", sp.Name)
		}
		seen[sp.Name] = true
		specs = append(specs, sp)
	}
	return specs, nil
}

// openArchives opens the configured PMTiles archives (remote ones with range reads); an archive
// that fails to open stops the server with an error naming it.
func openArchives(ctx context.Context, cfg config) (*archive.Set, error) {
	specs, err := archiveSpecs(cfg.PMTiles)
	if err != nil || len(specs) == 0 {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return archive.Open(ctx, specs, &http.Client{Timeout: 30 * time.Second})
}
