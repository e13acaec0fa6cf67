package data

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
	"os"
)

// spool is a growing sequence of little-endian values: in memory, or in a temporary file when
// the builder spills (big layers), so that building never holds a national layer in memory.
type spool struct {
	mem  []byte
	f    *os.File
	w    *bufio.Writer
	size int64
	err  error
}

func newSpool(dir string) *spool {
	if dir == "" {
		return &spool{}
	}
	f, err := os.CreateTemp(dir, "spool-")
	if err != nil {
		return &spool{err: err}
	}
	os.Remove(f.Name()) // unlinked: the file goes away with the descriptor
	return &spool{f: f, w: bufio.NewWriterSize(f, 1<<20)}
}

func (s *spool) write(b []byte) {
	s.size += int64(len(b))
	if s.w == nil {
		s.mem = append(s.mem, b...)
		return
	}
	if _, err := s.w.Write(b); err != nil && s.err == nil {
		s.err = err
	}
}

func (s *spool) u8(v uint8) { s.write([]byte{v}) }

func (s *spool) u32(v uint32) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	s.write(b[:])
}

func (s *spool) u64(v uint64) {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	s.write(b[:])
}

func (s *spool) f64(v float64) { s.u64(math.Float64bits(v)) }

// reader returns the spooled bytes from the start; the spool takes no more writes.
func (s *spool) reader() (io.Reader, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.w == nil {
		return &byteReader{b: s.mem}, nil
	}
	if err := s.w.Flush(); err != nil {
		return nil, err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return bufio.NewReaderSize(s.f, 1<<20), nil
}

// bytes maps or returns the spooled bytes for random access (read only); release undoes it.
func (s *spool) bytes() (b []byte, release func(), err error) {
	if s.err != nil {
		return nil, nil, s.err
	}
	if s.w == nil {
		return s.mem, func() {}, nil
	}
	if err := s.w.Flush(); err != nil {
		return nil, nil, err
	}
	return mapFile(s.f, s.size)
}

func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
	}
	s.mem = nil
}

// byteReader reads a byte slice.
type byteReader struct{ b []byte }

func (r *byteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// values reads n little-endian values of width bytes from r, calling fn with each.
func values(r io.Reader, n int64, width int, fn func(v uint64)) error {
	buf := make([]byte, 1<<16)
	per := len(buf) / width
	for n > 0 {
		k := int(min(n, int64(per)))
		if _, err := io.ReadFull(r, buf[:k*width]); err != nil {
			return err
		}
		for j := 0; j < k; j++ {
			b := buf[j*width:]
			switch width {
			case 1:
				fn(uint64(b[0]))
			case 4:
				fn(uint64(binary.LittleEndian.Uint32(b)))
			default:
				fn(binary.LittleEndian.Uint64(b))
			}
		}
		n -= int64(k)
	}
	return nil
}
