package fibre

import (
	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data/geo"
)

// segment is one backbone segment: the minor great-circle arc between two vertices of a line.
type segment struct {
	line int // index of its line in the backbone
	geo.Arc
}

func newSegment(line int, a, b orb.Point) segment { return segment{line: line, Arc: geo.NewArc(a, b)} }
