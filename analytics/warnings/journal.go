package warnings

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"
)

// Journal is an append-only file of records, each framed as
//
//	uint32 little-endian payload length | uint32 CRC-32C of the payload | payload
//
// Append returns only after the record is written and fsync'd. Concurrent appends are grouped:
// one write and one fsync serve every record waiting at that moment (group commit).
type Journal struct {
	f    *os.File
	log  *slog.Logger
	reqs chan appendReq
	done chan struct{}
	once sync.Once
	sync func(time.Duration) // told how long each fsync took; see ObserveSync
}

type appendReq struct {
	payload []byte
	then    func() // run on the writer, in record order, once the record is durable
	err     chan error
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maxRecord bounds one record (a compaction snapshot is the largest); a length field above it
// marks a torn or corrupt record. maxAppend bounds one appended batch.
const (
	maxRecord = 512 << 20
	maxAppend = 1 << 20
)

// OpenJournal opens (or creates) the journal at path and replays it: fn is called with each
// intact record in order. A torn or corrupt tail (a crash in the middle of a write) is detected by
// its length or checksum, logged, and cut off so that new records follow the last good one.
func OpenJournal(path string, log *slog.Logger, fn func([]byte) error) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	good, err := replay(f, fn)
	if err != nil {
		f.Close()
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.Size() > good {
		log.Warn("journal: torn or corrupt record at the end skipped", "path", path, "offset", good, "bytes", st.Size()-good)
		if err := f.Truncate(good); err != nil {
			f.Close()
			return nil, err
		}
	}
	if _, err := f.Seek(good, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	j := &Journal{f: f, log: log, reqs: make(chan appendReq, 1024), done: make(chan struct{})}
	go j.writer()
	return j, nil
}

// replay reads records until the end or the first bad one and returns the offset after the last
// good record.
func replay(f *os.File, fn func([]byte) error) (int64, error) {
	r := bufio.NewReaderSize(f, 1<<16)
	var off int64
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return off, nil // clean end, or a torn header
		}
		n := binary.LittleEndian.Uint32(hdr[:4])
		sum := binary.LittleEndian.Uint32(hdr[4:])
		if n > maxRecord {
			return off, nil
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return off, nil // torn payload
		}
		if crc32.Checksum(payload, castagnoli) != sum {
			return off, nil
		}
		if err := fn(payload); err != nil {
			return off, fmt.Errorf("journal record at offset %d: %w", off, err)
		}
		off += int64(8 + n)
	}
}

// appendFrame appends one framed record: length, CRC-32C, payload.
func appendFrame(buf, payload []byte) []byte {
	var hdr [8]byte
	binary.LittleEndian.PutUint32(hdr[:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(hdr[4:], crc32.Checksum(payload, castagnoli))
	return append(append(buf, hdr[:]...), payload...)
}

// Append writes a record durably.
func (j *Journal) Append(payload []byte) error {
	wait, err := j.Enqueue(payload, nil)
	if err != nil {
		return err
	}
	return wait()
}

// Enqueue queues a record and returns a function that waits until it is durable. Records are
// written in the order they are queued; then, if not nil, runs on the writer goroutine right after
// the record's fsync and before wait returns, in record order, so that whatever it applies is
// applied in the same order as a replay of the file would.
func (j *Journal) Enqueue(payload []byte, then func()) (wait func() error, err error) {
	if len(payload) > maxAppend {
		return nil, errors.New("journal: record too large")
	}
	req := appendReq{payload: payload, then: then, err: make(chan error, 1)}
	select {
	case j.reqs <- req:
	case <-j.done:
		return nil, errors.New("journal: closed")
	}
	return func() error { return <-req.err }, nil
}

func (j *Journal) writer() {
	var buf []byte
	for {
		var batch []appendReq
		select {
		case req, ok := <-j.reqs:
			if !ok {
				return
			}
			batch = append(batch, req)
		case <-j.done:
			return
		}
	more:
		for len(batch) < 4096 {
			select {
			case req := <-j.reqs:
				batch = append(batch, req)
			default:
				break more
			}
		}
		buf = buf[:0]
		for _, req := range batch {
			buf = appendFrame(buf, req.payload)
		}
		_, err := j.f.Write(buf)
		if err == nil {
			err = observeSync(j.sync, j.f.Sync)
		}
		if err != nil {
			j.log.Error("journal write failed", "err", err)
		}
		for _, req := range batch {
			if err == nil && req.then != nil {
				req.then()
			}
			req.err <- err
		}
	}
}

// ObserveSync sets a function told how long each fsync takes (one per group commit). Call it
// before the first append.
func (j *Journal) ObserveSync(f func(time.Duration)) { j.sync = f }

// Close stops the writer and closes the file. Appends after Close fail.
func (j *Journal) Close() error {
	var err error
	j.once.Do(func() {
		close(j.done)
		err = j.f.Close()
	})
	return err
}
