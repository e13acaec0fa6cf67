package tiles

import (
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// QueryBound is the lon/lat box within which tile z/x/y looks for features: the tile and its
// clip buffer. A tile is empty unless some feature's bbox of one of its layers meets this box,
// and a child's box lies within its parent's, so a box that meets nothing rules out the tile
// and every tile below it (what an export uses to skip empty subtrees).
func (s *Service) QueryBound(z, x, y uint32) orb.Bound {
	return newCanvas(maptile.New(x, y, maptile.Zoom(z)), s.cfg.Buffer).query
}
