package pmtiles

import (
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
)

// maxSection bounds what one directory or the metadata may take, compressed or not, so that a
// hostile archive cannot make a reader allocate without limit.
const maxSection = 64 << 20

// packer compresses sections, reusing its gzip state from one to the next. It uses gzip's
// default level: on directories the best level saves about 8% for some 60 times the time.
type packer struct {
	buf bytes.Buffer
	zw  *gzip.Writer
}

// pack appends raw, gzip-compressed, to dst.
func (p *packer) pack(dst, raw []byte) ([]byte, error) {
	p.buf.Reset()
	if p.zw == nil {
		zw, err := gzip.NewWriterLevel(&p.buf, gzip.DefaultCompression)
		if err != nil {
			return nil, err
		}
		p.zw = zw
	} else {
		p.zw.Reset(&p.buf)
	}
	if _, err := p.zw.Write(raw); err != nil {
		return nil, err
	}
	if err := p.zw.Close(); err != nil {
		return nil, err
	}
	return append(dst, p.buf.Bytes()...), nil
}

// unpack undoes compression c on b, refusing results over maxSection bytes.
func unpack(c Compression, b []byte) ([]byte, error) {
	switch c {
	case NoCompression:
		return b, nil
	case Gzip:
	default:
		return nil, fmt.Errorf("pmtiles: internal compression %d is not supported", c)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("pmtiles: bad gzip section: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxSection+1))
	if err != nil {
		return nil, fmt.Errorf("pmtiles: bad gzip section: %w", err)
	}
	if len(out) > maxSection {
		return nil, fmt.Errorf("pmtiles: section inflates beyond %d bytes", maxSection)
	}
	return out, nil
}
