package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
)

// publicLayers are the layers that feed answers every caller gets — the risk index and rankings
// (people, facilities, admin units), the flood warnings broadcast as CAP alerts and events (gauges,
// villages, facilities, CPEC routes): a catalog may not restrict them.
func publicLayers(cfg analytics.Config) []string {
	return []string{cfg.PopulationLayer, cfg.FacilityLayer, cfg.GaugeLayer, cfg.AdminLayer, "cpec_routes"}
}

// checkPublic refuses a catalog that restricts a layer public answers are made of.
func checkPublic(cat *data.Catalog, cfg analytics.Config) error {
	for _, id := range publicLayers(cfg) {
		if l, ok := cat.Layer(id); ok && !l.Access.Public() {
			return data.Invalid(fmt.Sprintf("layer %q: access must be public", id),
				"it feeds answers every caller gets (risk index, rankings, flood warnings); restrict a copy of it instead")
		}
	}
	return nil
}

// legacyKey is the single INDUS_API_KEY: a key with the right to post readings, compared in
// constant time.
type legacyKey struct{ sum [32]byte }

func (k legacyKey) Authenticate(token string) (*access.Principal, error) {
	got := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(got[:], k.sum[:]) != 1 {
		return nil, errors.New("unknown key")
	}
	return &access.Principal{ID: "api-key", Rights: []access.Right{access.WriteWarnings}}, nil
}
