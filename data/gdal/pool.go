package gdal

import (
	"context"
	"fmt"
	"runtime"
	"sync"
)

// pool runs GDAL work on a fixed set of goroutines, each locked to its own OS thread for its whole
// life. GDAL handles and GDAL's thread-local error state never cross threads: a job opens, uses and
// closes its handles on the worker that runs it.
type pool struct {
	jobs chan func()
	wg   sync.WaitGroup
	once sync.Once
}

func newPool(workers int) *pool {
	if workers < 1 {
		workers = 1
	}
	p := &pool{jobs: make(chan func())}
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
			for job := range p.jobs {
				job()
			}
		}()
	}
	return p
}

// do runs fn on a worker and waits for it. A panic inside fn (a bug in a GDAL wrapper) comes back
// as an error instead of killing the worker.
func (p *pool) do(ctx context.Context, fn func() error) error {
	res := make(chan error, 1)
	job := func() {
		defer func() {
			if r := recover(); r != nil {
				res <- fmt.Errorf("gdal worker: %v", r)
			}
		}()
		resetError()
		res <- fn()
	}
	select {
	case p.jobs <- job:
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-res
}

func (p *pool) close() {
	p.once.Do(func() { close(p.jobs); p.wg.Wait() })
}
