package data

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"
)

// Dataset is every layer of a catalog, loaded and validated.
type Dataset struct {
	Catalog *Catalog
	Layers  []*Layer // catalog order
	// Version identifies the loaded content (catalog and data); it changes when either does.
	Version string
	// LoadTime is how long Load took.
	LoadTime time.Duration

	close sync.Once
	unmap func() // releases the mapped snapshot; nil for none
}

// Close releases the mapped snapshot the layers are views of. The caller must be sure nothing
// reads the dataset any more (a server retires a replaced dataset after its longest deadline).
func (d *Dataset) Close() error {
	d.close.Do(func() {
		if d.unmap != nil {
			d.unmap()
		}
	})
	return nil
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

// Progress is told when a layer finishes reading.
type Progress func(layer string, done, total int, features int)

// LoadOptions tune Build and Load.
type LoadOptions struct {
	Workers  int      // layers read at once; 0 means 2
	Progress Progress // may be nil
	// SpillDir, when set, is where layers are spilled while they are read, so that building a
	// national dataset needs little memory; empty: layers are built in memory.
	SpillDir string
}

// Build reads every catalog layer through r and writes them, with the catalog, as a snapshot at
// path; it returns the data version. The first failure cancels the rest and no file is left.
func Build(ctx context.Context, cat *Catalog, r Reader, path string, opt LoadOptions) (string, error) {
	builders, err := readAll(ctx, cat, r, opt)
	defer func() {
		for _, b := range builders {
			if b != nil {
				b.Close()
			}
		}
	}()
	if err != nil {
		return "", err
	}
	return WriteSnapshot(path, cat, builders)
}

// Load reads every catalog layer through r and returns the dataset: built as a snapshot in a
// temporary file (in opt.SpillDir, or the system's) that is mapped, then unlinked.
func Load(ctx context.Context, cat *Catalog, r Reader, opt LoadOptions) (*Dataset, error) {
	start := time.Now()
	f, err := os.CreateTemp(opt.SpillDir, "indus-*.snapshot")
	if err != nil {
		return nil, err
	}
	f.Close()
	defer os.Remove(f.Name())
	if _, err := Build(ctx, cat, r, f.Name(), opt); err != nil {
		return nil, err
	}
	ds, err := openSnapshot(f.Name(), cat)
	if err != nil {
		return nil, err
	}
	ds.LoadTime = time.Since(start)
	return ds, nil
}

// readAll reads the layers in parallel into builders, in catalog order.
func readAll(ctx context.Context, cat *Catalog, r Reader, opt LoadOptions) ([]*Builder, error) {
	workers := opt.Workers
	if workers <= 0 {
		workers = 2
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	builders := make([]*Builder, len(cat.Layers))
	errs := make([]error, len(cat.Layers))
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for i := range cat.Layers {
		spec := &cat.Layers[i]
		builders[i] = NewBuilder(spec, opt.SpillDir)
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
			if errs[i] = r.ReadLayer(ctx, cat, spec, builders[i]); errs[i] != nil {
				cancel()
				return
			}
			mu.Lock()
			done++
			if opt.Progress != nil {
				opt.Progress(spec.ID, done, len(cat.Layers), builders[i].Len())
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return builders, firstError(errs)
}

// firstError is the first real error, not the cancellations it caused; only cancellations mean
// the caller's context was cancelled.
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
