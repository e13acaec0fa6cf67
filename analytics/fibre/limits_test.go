package fibre

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cpec-digital/indus/data"
)

// TestPlanStops: a plan that takes seconds (30,000 villages grown from 10) stops soon after its
// context's deadline, while initialising and while growing, with a timeout error.
func TestPlanStops(t *testing.T) {
	vs := settlements(1, 30000, 10)
	for _, d := range []time.Duration{time.Millisecond, 150 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		start := time.Now()
		ro, err := PlanContext(ctx, vs, routes(), Options{Target: 30000, Weights: map[string]float64{"backbone": 1}})
		took := time.Since(start)
		cancel()
		var de *data.Error
		if ro != nil || !errors.As(err, &de) || de.Kind != data.KindTimeout || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("deadline %s: %v, %v", d, ro, err)
		}
		// a guard against running on (the whole plan takes seconds, tens under the race detector),
		// generous for a loaded machine: the checks come every 16 villages
		if took > d+3*time.Second {
			t.Errorf("deadline %s: stopped after %s", d, took)
		}
	}
}
