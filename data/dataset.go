package data

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"sync"
	"time"

	"github.com/cpec-digital/indus/data/geo"
)

// Dataset is every layer of a catalog, loaded and validated.
type Dataset struct {
	Catalog *Catalog
	Layers  []*Layer // catalog order
	// Version identifies the loaded content (catalog and data); it changes when either does.
	Version string
	// LoadTime is how long Load took.
	LoadTime time.Duration
}

// Layer returns the loaded layer with the given id.
func (d *Dataset) Layer(id string) (*Layer, bool) {
	for _, l := range d.Layers {
		if l.Spec.ID == id {
			return l, true
		}
	}
	return nil, false
}

// Progress is told when a layer starts and finishes loading.
type Progress func(layer string, done, total int, features int)

// LoadOptions tune Load.
type LoadOptions struct {
	Workers  int      // layers read at once; 0 means 2
	Progress Progress // may be nil
}

// Load reads every catalog layer through r, validates the features (lon/lat range, non-empty
// geometry, declared fields) and returns the dataset. The first failure cancels the rest.
func Load(ctx context.Context, cat *Catalog, r Reader, opt LoadOptions) (*Dataset, error) {
	start := time.Now()
	workers := opt.Workers
	if workers <= 0 {
		workers = 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	layers := make([]*Layer, len(cat.Layers))
	errs := make([]error, len(cat.Layers))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i := range cat.Layers {
		spec := &cat.Layers[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			feats, err := r.ReadLayer(ctx, cat, spec)
			if err == nil {
				err = validateFeatures(spec, feats)
			}
			if err != nil {
				errs[i] = err
				cancel()
				return
			}
			layers[i] = NewLayer(spec, feats)
			mu.Lock()
			done++
			if opt.Progress != nil {
				opt.Progress(spec.ID, done, len(cat.Layers), len(feats))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs { // the first real error, not the cancellations it caused
		if err != nil && err != context.Canceled {
			return nil, err
		}
	}
	for _, err := range errs { // only cancellations: the caller's context was cancelled
		if err != nil {
			return nil, err
		}
	}
	ds := &Dataset{Catalog: cat, Layers: layers, LoadTime: time.Since(start)}
	ds.Version = version(cat, layers)
	return ds, nil
}

func validateFeatures(spec *LayerSpec, feats []Feature) error {
	for i := range feats {
		f := &feats[i]
		if f.Geometry == nil {
			return fmt.Errorf("layer %q: feature %d has no geometry", spec.ID, f.ID)
		}
		if err := geo.CheckLonLat(f.Geometry); err != nil {
			return &Error{Kind: KindInvalid, Msg: fmt.Sprintf("layer %q (%s): feature %d", spec.ID, spec.Source.Path, f.ID),
				Detail: err.Error() + "; is the source's CRS declared correctly?"}
		}
		for k := range f.Properties {
			if _, ok := spec.Field(k); !ok {
				return fmt.Errorf("layer %q: feature %d has undeclared attribute %q", spec.ID, f.ID, k)
			}
		}
	}
	return nil
}

// version hashes the catalog and a summary of each layer's content (count, bound, first and last
// coordinates) into a short stable string.
func version(cat *Catalog, layers []*Layer) string {
	h := fnv.New64a()
	js, _ := json.Marshal(cat.Layers)
	h.Write(js)
	var buf [8]byte
	put := func(v float64) {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
		h.Write(buf[:])
	}
	for _, l := range layers {
		put(float64(l.Len()))
		put(l.Bound.Min[0])
		put(l.Bound.Min[1])
		put(l.Bound.Max[0])
		put(l.Bound.Max[1])
		for i := range l.Len() {
			c := l.FeatureBound(i).Center()
			put(c[0] + c[1]*1e-3 + float64(l.ID(i)))
		}
	}
	return fmt.Sprintf("%016x", h.Sum64())
}
