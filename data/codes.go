package data

// codes is an array of unsigned integers stored in the narrowest width that holds them all.
type codes struct {
	u8  []uint8
	u16 []uint16
	u32 []uint32
	u64 []uint64
}

// at returns element i.
func (c *codes) at(i int) uint64 {
	switch {
	case c.u8 != nil:
		return uint64(c.u8[i])
	case c.u16 != nil:
		return uint64(c.u16[i])
	case c.u32 != nil:
		return uint64(c.u32[i])
	}
	return c.u64[i]
}

// width is the bytes an element takes (0 for an empty array).
func (c *codes) width() int {
	switch {
	case c.u8 != nil:
		return 1
	case c.u16 != nil:
		return 2
	case c.u32 != nil:
		return 4
	case c.u64 != nil:
		return 8
	}
	return 0
}

// widthFor is the narrowest width in bytes that holds max.
func widthFor(max uint64) int {
	switch {
	case max <= 0xFF:
		return 1
	case max <= 0xFFFF:
		return 2
	case max <= 0xFFFFFFFF:
		return 4
	}
	return 8
}

// bits is a bitset.
type bits []uint64

func newBits(n int) bits { return make(bits, (n+63)/64) }

func (b bits) get(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

func (b bits) set(i int) { b[i>>6] |= 1 << (uint(i) & 63) }
