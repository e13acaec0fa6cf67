package pmtiles

import (
	"fmt"
	"math"
)

// maxRoot is the most bytes the compressed root directory may take: it ends within RootLimit.
const maxRoot = RootLimit - HeaderSize

// firstLeaf is the leaf size (entries per leaf directory) tried first when the root alone is
// too large; each retry grows it by half until the root of leaf pointers fits.
const firstLeaf = 4096

// layout is the compressed directories of an archive.
type layout struct {
	root   []byte
	leaves []byte // every leaf directory, back to back
	count  int    // leaf directories
}

// plan puts every entry in the root directory if it compresses to limit bytes or fewer, else
// splits them into leaves of a size that makes the root fit.
func plan(es []entry, p *packer, limit int) (layout, error) {
	raw := appendDirectory(nil, es)
	// gzip shrinks at most about 1032 times, so a larger raw root cannot fit; skip compressing it.
	if len(raw) <= 1032*limit {
		root, err := p.pack(nil, raw)
		if err != nil || len(root) <= limit {
			return layout{root: root}, err
		}
	}
	for size := firstLeaf; ; size += size / 2 {
		l, err := split(es, size, p, raw[:0])
		if err != nil || len(l.root) <= limit {
			return l, err
		}
	}
}

// split writes es as leaf directories of size entries each and a root that points at them;
// raw is scratch space.
func split(es []entry, size int, p *packer, raw []byte) (layout, error) {
	var l layout
	var roots []entry
	for lo := 0; lo < len(es); lo += size {
		hi := min(lo+size, len(es))
		raw = appendDirectory(raw[:0], es[lo:hi])
		at := len(l.leaves)
		var err error
		if l.leaves, err = p.pack(l.leaves, raw); err != nil {
			return layout{}, err
		}
		n := len(l.leaves) - at
		if n > math.MaxUint32 {
			return layout{}, fmt.Errorf("pmtiles: leaf directory of %d bytes", n)
		}
		roots = append(roots, entry{id: es[lo].id, offset: uint64(at), length: uint32(n)})
	}
	l.count = len(roots)
	root, err := p.pack(nil, appendDirectory(raw[:0], roots))
	l.root = root
	return l, err
}
