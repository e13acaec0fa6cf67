package pmtiles

// MaxZoom is the deepest zoom whose tile ids fit in 64 bits.
const MaxZoom = 31

// zoomStart is the id of the first tile at zoom z: the count of tiles at every lower zoom,
// the sum of 4^i for i < z, which is (4^z - 1) / 3.
func zoomStart(z uint8) uint64 {
	return ((uint64(1) << (2 * uint(z))) - 1) / 3
}

// TileID returns the id of tile z/x/y: its position on the Hilbert curves of zooms 0, 1, … z.
// z must be at most MaxZoom and x, y below 2^z; Valid says whether they are.
func TileID(z uint8, x, y uint32) uint64 {
	n := uint64(1) << z
	tx, ty := uint64(x), uint64(y)
	var d uint64
	for s := n / 2; s > 0; s /= 2 {
		var rx, ry uint64
		if tx&s != 0 {
			rx = 1
		}
		if ty&s != 0 {
			ry = 1
		}
		d += s * s * ((3 * rx) ^ ry)
		tx, ty = rotate(n, tx, ty, rx, ry)
	}
	return zoomStart(z) + d
}

// ZXY returns the tile whose id is id, and false if id lies beyond zoom MaxZoom.
func ZXY(id uint64) (z uint8, x, y uint32, ok bool) {
	for z = 0; z <= MaxZoom; z++ {
		if id < zoomStart(z+1) {
			break
		}
	}
	if z > MaxZoom {
		return 0, 0, 0, false
	}
	d := id - zoomStart(z)
	n := uint64(1) << z
	var tx, ty uint64
	for s := uint64(1); s < n; s *= 2 {
		rx := 1 & (d / 2)
		ry := 1 & (d ^ rx)
		tx, ty = rotate(s, tx, ty, rx, ry)
		tx += s * rx
		ty += s * ry
		d /= 4
	}
	return z, uint32(tx), uint32(ty), true
}

// Valid reports whether z/x/y names a tile: z at most MaxZoom, x and y below 2^z.
func Valid(z uint8, x, y uint32) bool {
	return z <= MaxZoom && uint64(x) < uint64(1)<<z && uint64(y) < uint64(1)<<z
}

// rotate turns the quadrant of side n so that the curve inside it has the right orientation.
func rotate(n, x, y, rx, ry uint64) (uint64, uint64) {
	if ry == 0 {
		if rx == 1 {
			x = n - 1 - x
			y = n - 1 - y
		}
		x, y = y, x
	}
	return x, y
}
