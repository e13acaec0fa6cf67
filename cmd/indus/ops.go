package main

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/cpec-digital/indus/cmd/indus/internal/httpapi"
	"github.com/cpec-digital/indus/cmd/indus/internal/metrics"
	"github.com/cpec-digital/indus/indexes"
)

// Why /ready answers 503, besides httpapi's own reasons.
const (
	reasonReloading = "reloading"
	reasonReplaying = "replaying warnings state"
)

// phase is what the server is doing when it is not simply serving: the reason /ready gives, or ""
// when ready. Once shutting down, it stays so.
type phase struct {
	mu     sync.Mutex
	reason string
}

func (p *phase) set(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.reason != httpapi.ReasonShuttingDown {
		p.reason = reason
	}
}

func (p *phase) get() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reason
}

// ops is what operations need from the wiring: the metrics and the readiness phase.
type ops struct {
	metrics *metrics.Metrics
	phase   *phase
}

func newOps() ops { return ops{metrics: metrics.New(), phase: &phase{reason: httpapi.ReasonLoading}} }

// httpConfig is the part of the HTTP configuration that operations add.
func (o ops) httpConfig(c httpapi.Config) httpapi.Config {
	c.Observer, c.Metrics, c.Readiness = o.metrics, o.metrics.Handler(), o.phase.get
	return c
}

// timedLoad wraps a load of the data so that the metrics record how long it took, and the phase
// says reason meanwhile (back to ready after).
func (o ops) timedLoad(reason string, load func() (*indexes.Set, error)) func() (*indexes.Set, error) {
	return func() (*indexes.Set, error) {
		o.phase.set(reason)
		defer o.phase.set("")
		start := time.Now()
		set, err := load()
		o.metrics.Loaded(time.Since(start), time.Now(), err)
		return set, err
	}
}

// handoff shares one listening socket between two servers in turn: the starting server while the
// data load, then the full one, so that the address answers from the first moment. Each takes
// connections through its own view; closing a view does not close the socket, except the last.
type handoff struct {
	ln    net.Listener
	conns chan net.Conn
	quit  chan struct{}
	once  sync.Once
}

func newHandoff(ln net.Listener) *handoff {
	h := &handoff{ln: ln, conns: make(chan net.Conn), quit: make(chan struct{})}
	go h.accept()
	return h
}

func (h *handoff) accept() {
	for {
		c, err := h.ln.Accept()
		if err != nil {
			h.close()
			return
		}
		select {
		case h.conns <- c:
		case <-h.quit:
			c.Close()
			return
		}
	}
}

func (h *handoff) close() { h.once.Do(func() { close(h.quit); h.ln.Close() }) }

// view returns a listener over the socket; closing it closes the socket too when last is true.
func (h *handoff) view(last bool) net.Listener {
	return &view{h: h, last: last, closed: make(chan struct{})}
}

type view struct {
	h      *handoff
	last   bool
	closed chan struct{}
	once   sync.Once
}

func (v *view) Accept() (net.Conn, error) {
	select {
	case <-v.closed:
		return nil, net.ErrClosed
	default:
	}
	select {
	case c := <-v.h.conns:
		return c, nil
	case <-v.closed:
	case <-v.h.quit:
	}
	return nil, net.ErrClosed
}

func (v *view) Close() error {
	v.once.Do(func() {
		close(v.closed)
		if v.last {
			v.h.close()
		}
	})
	return nil
}

func (v *view) Addr() net.Addr { return v.h.ln.Addr() }

// starting serves the starting server on a view of h until stop is called, which waits for its
// requests in flight; stop may be called more than once.
func starting(h *handoff, o ops, log *slog.Logger) (stop func()) {
	boot := httpapi.Starting(o.httpConfig(httpapi.Config{}), log)
	ln := h.view(false)
	go boot.Serve(ln)
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := boot.Shutdown(ctx); err != nil {
				log.Warn("stopping the starting server", "err", err)
			}
			ln.Close() // in case Serve had not begun when Shutdown ran
		})
	}
}
