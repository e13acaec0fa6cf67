package glyphs

import (
	"fmt"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/cpec-digital/indus/data/fault"
)

// The SDF conventions MapLibre GL's glyph shader and layout expect (those of fontnik).
const (
	// Size is the em size glyphs are rendered at, in pixels (MapLibre's ONE_EM).
	Size = 24
	// Border is the margin of distance values around each glyph (MapLibre's GLYPH_PBF_BORDER).
	Border = 3
	// Radius is the distance in pixels over which the field falls from the outline to 0 outside.
	Radius = 8
	// Cutoff is the share of the 0–255 scale below the outline: a pixel d pixels from the outline
	// (negative inside) holds 255 − (256·d/Radius + 256·Cutoff), clamped, so the outline is at 191.
	Cutoff = 0.25
	// RangeSize is the number of code points of a range.
	RangeSize = 256
)

// Font is a parsed TrueType or OpenType font.
type Font struct {
	// Name is its family and style ("Noto Sans Regular"): the name fontstacks give it.
	Name     string
	sf       *sfnt.Font
	ascender int // hhea ascender at Size, rounded up (FreeType's size metrics)
}

// Parse reads a font file.
func Parse(b []byte) (*Font, error) {
	sf, err := sfnt.Parse(b)
	if err != nil {
		return nil, fault.Errorf(fault.KindInvalid, "font: %v", err)
	}
	var buf sfnt.Buffer
	family, err := sf.Name(&buf, sfnt.NameIDFamily)
	if err != nil {
		return nil, fault.Errorf(fault.KindInvalid, "font: no family name: %v", err)
	}
	style, err := sf.Name(&buf, sfnt.NameIDSubfamily)
	if err != nil {
		return nil, fault.Errorf(fault.KindInvalid, "font: no style name: %v", err)
	}
	m, err := sf.Metrics(&buf, fixed.I(Size), font.HintingNone)
	if err != nil {
		return nil, fault.Errorf(fault.KindInvalid, "font: %v", err)
	}
	return &Font{Name: family + " " + style, sf: sf, ascender: m.Ascent.Ceil()}, nil
}

// Count is the number of code points of the range from start that the font has.
func (f *Font) Count(start rune) int {
	var buf sfnt.Buffer
	n := 0
	for r := start; r < start+RangeSize; r++ {
		if i, err := f.sf.GlyphIndex(&buf, r); err == nil && i != 0 {
			n++
		}
	}
	return n
}

// Render draws the glyphs of the range of code points from start (a multiple of RangeSize) that
// the font has, in code point order.
func (f *Font) Render(start rune) (Stack, error) {
	if start < 0 || start%RangeSize != 0 || start > 0xffff {
		return Stack{}, fault.Errorf(fault.KindInvalid, "range start %d: not a multiple of %d up to 65280", start, RangeSize)
	}
	s := Stack{Name: f.Name, Range: rangeName(start)}
	var buf sfnt.Buffer
	for r := start; r < start+RangeSize; r++ {
		g, ok, err := f.glyph(&buf, r)
		if err != nil {
			return Stack{}, fmt.Errorf("%s U+%04X: %w", f.Name, r, err)
		}
		if ok {
			s.Glyphs = append(s.Glyphs, g)
		}
	}
	return s, nil
}

func rangeName(start rune) string { return fmt.Sprintf("%d-%d", start, start+RangeSize-1) }

// glyph renders one code point; ok is false when the font lacks it.
func (f *Font) glyph(buf *sfnt.Buffer, r rune) (g Glyph, ok bool, err error) {
	idx, err := f.sf.GlyphIndex(buf, r)
	if err != nil || idx == 0 {
		return g, false, err
	}
	adv, err := f.sf.GlyphAdvance(buf, idx, fixed.I(Size), font.HintingNone)
	if err != nil {
		return g, false, err
	}
	segs, err := f.sf.LoadGlyph(buf, idx, fixed.I(Size), nil)
	if err != nil {
		return g, false, err
	}
	g = Glyph{ID: r, Advance: max(adv.Floor(), 0)}
	rings := flatten(segs)
	box, ok := bounds(rings)
	if !ok || box.w == 0 || box.h == 0 {
		return g, true, nil // nothing to draw: a space
	}
	g.Left, g.Top, g.Width, g.Height = box.x0, box.y1-f.ascender, box.w, box.h
	g.Bitmap = field(rings, box)
	return g, true, nil
}

// point is a position in pixels, y up.
type point struct{ x, y float64 }

// flatten turns a glyph's outline into closed polygons (y up), curves cut into short lines.
func flatten(segs sfnt.Segments) [][]point {
	var rings [][]point
	var ring []point
	closeRing := func() {
		if len(ring) > 2 {
			if ring[0] != ring[len(ring)-1] {
				ring = append(ring, ring[0])
			}
			rings = append(rings, ring)
		}
		ring = nil
	}
	pt := func(p fixed.Point26_6) point { return point{float64(p.X) / 64, -float64(p.Y) / 64} }
	for _, s := range segs {
		if s.Op == sfnt.SegmentOpMoveTo {
			closeRing()
		}
		if len(ring) == 0 && s.Op != sfnt.SegmentOpMoveTo {
			ring = append(ring, point{}) // an outline not begun by a move starts at the origin
		}
		switch s.Op {
		case sfnt.SegmentOpMoveTo, sfnt.SegmentOpLineTo:
			ring = append(ring, pt(s.Args[0]))
		case sfnt.SegmentOpQuadTo:
			ring = curve(ring, ring[len(ring)-1], pt(s.Args[0]), pt(s.Args[0]), pt(s.Args[1]))
		case sfnt.SegmentOpCubeTo:
			ring = curve(ring, ring[len(ring)-1], pt(s.Args[0]), pt(s.Args[1]), pt(s.Args[2]))
		}
	}
	closeRing()
	return rings
}

// curve appends a cubic Bézier from p0 (a quadratic one when c1 == c2 is its control point) as
// lines of at most about a pixel along its control polygon.
func curve(ring []point, p0, c1, c2, p1 point) []point {
	quad := c1 == c2
	n := int(math.Ceil(dist(p0, c1) + dist(c1, c2) + dist(c2, p1)))
	n = min(max(n, 2), 64)
	for i := 1; i <= n; i++ {
		t := float64(i) / float64(n)
		u := 1 - t
		if quad {
			ring = append(ring, point{u*u*p0.x + 2*u*t*c1.x + t*t*p1.x, u*u*p0.y + 2*u*t*c1.y + t*t*p1.y})
			continue
		}
		a, b, c, d := u*u*u, 3*u*u*t, 3*u*t*t, t*t*t
		ring = append(ring, point{a*p0.x + b*c1.x + c*c2.x + d*p1.x, a*p0.y + b*c1.y + c*c2.y + d*p1.y})
	}
	return ring
}

func dist(a, b point) float64 { return math.Hypot(b.x-a.x, b.y-a.y) }

// box is a glyph's bounding box in whole pixels (y up): left x0, top y1, width and height.
type box struct{ x0, y0, y1, w, h int }

// bounds rounds the outline's extent to whole pixels, as fontnik does.
func bounds(rings [][]point) (box, bool) {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, r := range rings {
		for _, p := range r {
			minX, maxX = min(minX, p.x), max(maxX, p.x)
			minY, maxY = min(minY, p.y), max(maxY, p.y)
		}
	}
	if math.IsInf(minX, 1) {
		return box{}, false
	}
	x0, y0 := int(math.Round(minX)), int(math.Round(minY))
	x1, y1 := int(math.Round(maxX)), int(math.Round(maxY))
	return box{x0: x0, y0: y0, y1: y1, w: x1 - x0, h: y1 - y0}, true
}

// edge is a line of an outline, with its bounding box for quick rejection.
type edge struct {
	a, b       point
	minX, maxX float64
	minY, maxY float64
}

// field computes the signed distance field of the outline over its box and border: at each
// pixel centre the distance to the nearest edge, negative inside (non-zero winding).
func field(rings [][]point, bx box) []byte {
	w, h := bx.w+2*Border, bx.h+2*Border
	dx, dy := float64(Border-bx.x0), float64(Border-bx.y0)
	var edges []edge
	for _, r := range rings {
		for i := 0; i+1 < len(r); i++ {
			a, b := point{r[i].x + dx, r[i].y + dy}, point{r[i+1].x + dx, r[i+1].y + dy}
			edges = append(edges, edge{a: a, b: b, minX: min(a.x, b.x), maxX: max(a.x, b.x), minY: min(a.y, b.y), maxY: max(a.y, b.y)})
		}
	}
	out := make([]byte, w*h)
	for y := range h {
		for x := range w {
			p := point{float64(x) + 0.5, float64(y) + 0.5}
			d := nearest(edges, p)
			if winding(edges, p) != 0 {
				d = -d
			}
			n := min(max(int(d*256/Radius+Cutoff*256), 0), 255)
			out[(h-1-y)*w+x] = byte(255 - n) // rows from the top
		}
	}
	return out
}

// nearest is the distance from p to the closest edge, or Radius when none is nearer.
func nearest(edges []edge, p point) float64 {
	best := float64(Radius * Radius)
	for _, e := range edges {
		if p.x < e.minX-Radius || p.x > e.maxX+Radius || p.y < e.minY-Radius || p.y > e.maxY+Radius {
			continue
		}
		best = min(best, segmentDist2(p, e.a, e.b))
	}
	return math.Sqrt(best)
}

// segmentDist2 is the squared distance from p to the segment ab.
func segmentDist2(p, a, b point) float64 {
	vx, vy := b.x-a.x, b.y-a.y
	l2 := vx*vx + vy*vy
	t := 0.0
	if l2 > 0 {
		t = min(max(((p.x-a.x)*vx+(p.y-a.y)*vy)/l2, 0), 1)
	}
	qx, qy := a.x+t*vx-p.x, a.y+t*vy-p.y
	return qx*qx + qy*qy
}

// winding is the winding number of the outline around p.
func winding(edges []edge, p point) int {
	n := 0
	for _, e := range edges {
		side := (e.b.x-e.a.x)*(p.y-e.a.y) - (p.x-e.a.x)*(e.b.y-e.a.y)
		switch {
		case e.a.y <= p.y && e.b.y > p.y && side > 0:
			n++
		case e.a.y > p.y && e.b.y <= p.y && side < 0:
			n--
		}
	}
	return n
}
