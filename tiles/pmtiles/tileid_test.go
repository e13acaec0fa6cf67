package pmtiles

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cpec-digital/indus/tiles/pmtiles/pmtilestest"
)

func TestTileIDSpecTable(t *testing.T) {
	for _, c := range []struct {
		z    uint8
		x, y uint32
		id   uint64
	}{
		{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4}, {2, 0, 0, 5},
		{12, 3423, 1763, 19078479},
	} {
		if got := TileID(c.z, c.x, c.y); got != c.id {
			t.Errorf("TileID(%d, %d, %d) = %d, want %d", c.z, c.x, c.y, got, c.id)
		}
	}
}

func TestTileIDMatchesGoPMTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var zxy [][3]uint32
	for z := uint32(0); z <= 22; z++ {
		n := uint32(1) << z
		for range 2000 {
			zxy = append(zxy, [3]uint32{z, rng.Uint32N(n), rng.Uint32N(n)})
		}
	}
	ids, back := pmtilestest.Numbers(t, zxy)
	for i, c := range zxy {
		z, x, y := uint8(c[0]), c[1], c[2]
		id := TileID(z, x, y)
		if want := ids[i]; id != want {
			t.Fatalf("TileID(%d, %d, %d) = %d, go-pmtiles says %d", z, x, y, id, want)
		}
		gz, gx, gy, ok := ZXY(id)
		if w := back[i]; !ok || gz != z || gx != x || gy != y || w != c {
			t.Fatalf("ZXY(%d) = %d/%d/%d %v, go-pmtiles %v, want %v", id, gz, gx, gy, ok, w, c)
		}
	}
}

// Every id of zooms 0–8 names exactly one tile and back: the curve is a bijection per zoom.
func TestTileIDBijection(t *testing.T) {
	for id := uint64(0); id < zoomStart(9); id++ {
		z, x, y, ok := ZXY(id)
		if !ok || !Valid(z, x, y) || TileID(z, x, y) != id {
			t.Fatalf("id %d → %d/%d/%d %v → %d", id, z, x, y, ok, TileID(z, x, y))
		}
	}
}

func TestTileIDEdges(t *testing.T) {
	top := uint32(1)<<MaxZoom - 1
	for _, xy := range [][2]uint32{{0, 0}, {top, 0}, {0, top}, {top, top}} {
		id := TileID(MaxZoom, xy[0], xy[1])
		if z, x, y, ok := ZXY(id); !ok || z != MaxZoom || x != xy[0] || y != xy[1] {
			t.Errorf("round trip of %d/%d/%d gave %d/%d/%d %v", MaxZoom, xy[0], xy[1], z, x, y, ok)
		}
	}
	for _, id := range []uint64{zoomStart(MaxZoom + 1), math.MaxUint64} {
		if _, _, _, ok := ZXY(id); ok {
			t.Errorf("ZXY(%d) is ok, want beyond zoom %d", id, MaxZoom)
		}
	}
	if Valid(3, 8, 0) || Valid(3, 0, 8) || Valid(MaxZoom+1, 0, 0) || !Valid(3, 7, 7) {
		t.Error("Valid misjudges the tile range")
	}
}
