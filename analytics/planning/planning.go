// Package planning plans fibre roll-outs over the served layers: it turns the villages, their
// flood zones and the CPEC routes into the input of analytics/fibre (cached per data version),
// restricts it to an admin unit when asked, and returns the plan with its exports.
package planning

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/analytics/fibre"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/fault"
	"github.com/cpec-digital/indus/indexes"
)

// Config names the layers and fields the planner reads. Defaults fit the Pakistan catalog.
type Config struct {
	VillageLayer    string // point layer of villages [villages]
	IDField         string // integer village id; the feature id when the layer has no such field [village_id]
	PopulationField string // [population]
	FibreField      string // boolean: already on the fibre network [fibre]
	BackboneLayer   string // lines used as connection points when weights.backbone is 1 [cpec_routes]
	HazardType      string // hazard kind whose historical layers give a village its flood return period and class [flood]
}

// DefaultConfig returns the defaults for the Pakistan catalog.
func DefaultConfig() Config {
	return Config{VillageLayer: "villages", IDField: "village_id", PopulationField: "population", FibreField: "fibre",
		BackboneLayer: "cpec_routes", HazardType: "flood"}
}

// Planner plans fibre roll-outs over the set current returns (read at every plan, so that a
// reload is seen at once). It is safe for concurrent use.
type Planner struct {
	cfg     Config
	current func() *indexes.Set
	mu      sync.Mutex
	data    *data.Dataset      // the latest data version planned on
	in      map[string]*inputs // its inputs, by the flood layers the villages were classified with
}

// New returns a planner over the set current returns.
func New(cfg Config, current func() *indexes.Set) *Planner {
	return &Planner{cfg: cfg, current: current}
}

// AdminRef names an admin unit: a layer and the value of its key field.
type AdminRef struct {
	Layer string `json:"layer"`
	ID    string `json:"id"`
}

// Request is a plan request, as POST /plan/fibre takes it.
type Request struct {
	Target      *int               `json:"target"`                 // villages connected after the plan (required)
	Weights     map[string]float64 `json:"weights"`                // flood ≥ 0, backbone 0 or 1
	Admin       *AdminRef          `json:"admin,omitempty"`        // plan only the villages inside this unit
	RouteFactor float64            `json:"route_factor,omitempty"` // cable km per great-circle km [1.3]
	PhaseSize   int                `json:"phase_size,omitempty"`   // villages per build phase [2000]
	// Who is the caller: the layers they may not read are left out (flood layers, backbone) or
	// refused by name as unknown ones (village layer, admin layer). nil: anonymous.
	Who *access.Principal `json:"-"`
}

// ParseRequest decodes a plan request strictly: unknown keys, trailing data and a missing target
// are refused with the name of the field.
func ParseRequest(body []byte) (*Request, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var r Request
	if err := dec.Decode(&r); err != nil {
		return nil, data.Invalid("invalid plan request", requestError(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, data.Invalid("invalid plan request", "trailing data after the JSON object")
	}
	if r.Target == nil {
		return nil, data.Invalid("target: required", "the number of villages connected after the plan")
	}
	if r.Admin != nil && (r.Admin.Layer == "" || r.Admin.ID == "") {
		return nil, data.Invalid("admin: needs layer and id", `e.g. {"layer": "provinces", "id": "PK-SD"}`)
	}
	return &r, nil
}

// requestError names the field a JSON decoding error is about.
func requestError(err error) string {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("%s: must be a %s, not a JSON %s", te.Field, te.Type, te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ") + " (known: target, weights, admin, route_factor, phase_size)"
	}
	return err.Error()
}

// Result is a plan over the served villages (or those of one admin unit).
type Result struct {
	DataVersion string
	Admin       *AdminRef
	Villages    int // villages planned over
	Rollout     *fibre.Rollout
	TimingMs    float64
	layers      []string // the layers it was planned from
}

// Layers lists the layers the plan was made from: the village layer, the flood layers that gave
// the villages their zones, the backbone layer when it was used and the admin layer.
func (r *Result) Layers() []string { return slices.Clone(r.layers) }

// Plan plans the roll-out a request asks for, on the served data.
func (p *Planner) Plan(ctx context.Context, r *Request) (*Result, error) {
	start := time.Now()
	in, err := p.inputs(p.current(), r.Who)
	if err != nil {
		return nil, err
	}
	villages, layers := in.villages, in.layers
	if r.Admin != nil {
		if villages, err = in.inUnit(r.Admin, r.Who); err != nil {
			return nil, err
		}
		layers = append(slices.Clone(layers), r.Admin.Layer)
	}
	if r.Weights[fibre.WeightBackbone] != 0 {
		if _, ok := in.set.LayerFor(p.cfg.BackboneLayer, r.Who); !ok || in.backbone == nil {
			return nil, data.Errorf(data.KindNotFound, "weights.backbone: no backbone layer %q", p.cfg.BackboneLayer)
		}
		layers = append(slices.Clone(layers), p.cfg.BackboneLayer)
	}
	if err := ctx.Err(); err != nil {
		return nil, &data.Error{Kind: data.KindTimeout, Msg: "the plan took too long", Err: err}
	}
	if err := admit(ctx, estimate(villages, in.backbone, r)); err != nil {
		return nil, err
	}
	ro, err := fibre.PlanContext(ctx, villages, in.backbone, fibre.Options{Target: *r.Target, Weights: r.Weights,
		RouteFactor: r.RouteFactor, PhaseSize: r.PhaseSize})
	if err != nil {
		return nil, err
	}
	return &Result{DataVersion: in.data.Version, Admin: r.Admin, Villages: len(villages), Rollout: ro, layers: layers,
		TimingMs: math.Round(float64(time.Since(start).Microseconds())/10) / 100}, nil
}

// estimate is the time the plan r asks for over villages should take (fibre.Estimate), counted
// before any of it is done.
func estimate(villages []fibre.Village, backbone []orb.LineString, r *Request) time.Duration {
	connected := 0
	for _, v := range villages {
		if v.Connected {
			connected++
		}
	}
	segments := 0
	if r.Weights[fibre.WeightBackbone] != 0 {
		segments = fibre.Segments(backbone)
	}
	need := min(max(0, *r.Target-connected), len(villages)-connected)
	return fibre.Estimate(len(villages), connected, need, segments)
}

// admit refuses at once a plan whose estimate est would not be done before ctx's deadline.
func admit(ctx context.Context, est time.Duration) error {
	return fault.Admit(ctx, est, "the plan", "plan an admin unit, or a target nearer the villages already connected")
}
