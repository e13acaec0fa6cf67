package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Listener holds one connection of a pool in LISTEN on a channel. Changed receives a value after
// every notification and after every (re)connection, since notifications sent while no
// connection listened are lost: a hint to read the truth from the tables.
type Listener struct {
	changed chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}
}

// Listen starts listening on channel; a failed connection is logged and retried every second.
func Listen(pool *pgxpool.Pool, channel string, log *slog.Logger) *Listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{changed: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for failures := 0; ctx.Err() == nil; failures++ {
			err := l.once(ctx, pool, channel, func() { failures = 0 })
			if ctx.Err() != nil {
				return
			}
			if failures == 0 { // once per outage, not every second of it
				log.Warn("listening to the state database failed; retrying every second", "channel", channel, "err", err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
	return l
}

// Changed receives a value when the channel may have news.
func (l *Listener) Changed() <-chan struct{} { return l.changed }

// Close stops listening.
func (l *Listener) Close() {
	l.cancel()
	<-l.done
}

func (l *Listener) signal() {
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// once listens until the connection fails; listening is called once it listens.
func (l *Listener) once(ctx context.Context, pool *pgxpool.Pool, channel string, listening func()) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	c := conn.Hijack() // a listening connection is not returned to the pool
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	listening()
	l.signal()
	for {
		if _, err := c.WaitForNotification(ctx); err != nil {
			return err
		}
		l.signal()
	}
}
