package auditlog

import (
	"bytes"
	"context"
	"io"
	"slices"
	"time"
)

// tailChunk is how much Tail reads at a time, backwards from the end.
const tailChunk = 64 << 10

// Tail returns the last n complete lines (without their newlines) of the size bytes of r, reading
// backwards from the end only as far as it needs. A last line without a newline is left out.
func Tail(r io.ReaderAt, size int64, n int) ([][]byte, error) {
	if n <= 0 || size <= 0 {
		return nil, nil
	}
	var chunks [][]byte
	pos, newlines := size, 0
	for pos > 0 && newlines <= n {
		c := min(pos, tailChunk)
		pos -= c
		b := make([]byte, c)
		if _, err := r.ReadAt(b, pos); err != nil && err != io.EOF {
			return nil, err
		}
		newlines += bytes.Count(b, []byte{'\n'})
		chunks = append(chunks, b)
	}
	slices.Reverse(chunks)
	data := bytes.Join(chunks, nil)
	end := bytes.LastIndexByte(data, '\n')
	if end < 0 {
		return nil, nil
	}
	lines := bytes.Split(data[:end], []byte{'\n'})
	if pos > 0 { // the first piece may start mid-line
		lines = lines[1:]
	}
	return lines[max(len(lines)-n, 0):], nil
}

// Follow copies the complete lines appended to r to w as they come, looking for more every poll,
// until ctx ends. r is read from where it stands (the end, to see only new records).
func Follow(ctx context.Context, r io.Reader, w io.Writer, poll time.Duration) error {
	buf := make([]byte, tailChunk)
	var pending []byte
	for ctx.Err() == nil {
		n, err := r.Read(buf)
		if n > 0 {
			pending = append(pending, buf[:n]...)
			if i := bytes.LastIndexByte(pending, '\n'); i >= 0 {
				if _, err := w.Write(pending[:i+1]); err != nil {
					return err
				}
				pending = append(pending[:0], pending[i+1:]...)
			}
			continue
		}
		if err != nil && err != io.EOF {
			return err
		}
		select {
		case <-ctx.Done():
		case <-time.After(poll):
		}
	}
	return nil
}
