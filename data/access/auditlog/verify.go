package auditlog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Check names the test a line failed.
type Check string

// The checks Verify makes on each line, in this order.
const (
	// CheckTorn: the last line has no newline, the trace of an interrupted write.
	CheckTorn Check = "torn"
	// CheckJSON: the line is not a record (a JSON object with seq ≥ 1 and a 64-digit hex prev),
	// or is longer than MaxLine.
	CheckJSON Check = "json"
	// CheckOrder: the seq is not the next one and either repeats an earlier seq or comes before
	// the missing one, which is on the next line: records were reordered (or repeated).
	CheckOrder Check = "order"
	// CheckGap: the seq skips the next one(s), which are not on the next line: records were removed.
	CheckGap Check = "gap"
	// CheckPrev: the seq is right but prev is not the hash of the line before: that line was
	// altered (and is still a record), or removed records were renumbered.
	CheckPrev Check = "prev"
	// CheckHead: VerifyHead's head is not the hash of any line: the records up to it were altered,
	// or the log was cut before it.
	CheckHead Check = "head"
)

// Problem is the first bad line Verify found; it is the error Verify returns.
type Problem struct {
	Line   int    // 1-based line number (0 for CheckHead)
	Seq    uint64 // the line's seq, 0 when it could not be read
	Check  Check
	Detail string
}

func (p *Problem) Error() string {
	if p.Check == CheckHead {
		return fmt.Sprintf("%s check failed: %s", p.Check, p.Detail)
	}
	return fmt.Sprintf("line %d (seq %d): %s check failed: %s", p.Line, p.Seq, p.Check, p.Detail)
}

// Report is what Verify read: the intact records before the first problem (all of them when the
// log is intact) and the last of them.
type Report struct {
	Records int
	Head    Head
}

// Verify reads a whole audit log and checks its chain: every line a record, seq 1, 2, 3…, each
// prev the hash of the line before. It returns a *Problem for the first bad line, or an I/O error.
func Verify(r io.Reader) (Report, error) {
	v := newVerifier(r)
	return v.report(v.run())
}

// VerifyHead is Verify, and also fails (CheckHead) unless some line of the log hashes to head:
// with a head kept elsewhere, it detects the removal of records up to that head, which Verify
// alone cannot.
func VerifyHead(r io.Reader, head string) (Report, error) {
	v := newVerifier(r)
	v.anchor, v.anchored = head, head == GenesisHash() // an empty log's head is in every log
	err := v.run()
	if err == nil && !v.anchored {
		err = &Problem{Check: CheckHead, Detail: fmt.Sprintf("no line hashes to %s: the records up to it were altered or removed", head)}
	}
	return v.report(err)
}

type verifier struct {
	in       *bufio.Reader
	buf      []byte // the line read, reused
	line     int
	records  int
	head     Head
	anchor   string
	anchored bool
}

func newVerifier(r io.Reader) *verifier {
	return &verifier{in: bufio.NewReaderSize(r, 64<<10), head: Head{Hash: GenesisHash()}}
}

func (v *verifier) report(err error) (Report, error) {
	return Report{Records: v.records, Head: v.head}, err
}

// run checks every line until the end or the first problem.
func (v *verifier) run() error {
	for {
		raw, complete, err := v.readLine()
		if err == io.EOF {
			return nil
		}
		v.line++
		if err != nil {
			if errors.Is(err, errLong) {
				return &Problem{Line: v.line, Check: CheckJSON, Detail: err.Error()}
			}
			return err
		}
		if !complete {
			return &Problem{Line: v.line, Check: CheckTorn, Detail: "the last line has no newline (an interrupted write); remove it to append again"}
		}
		if p := v.check(raw); p != nil {
			return p
		}
	}
}

// check checks one complete line and moves the head to it.
func (v *verifier) check(raw []byte) *Problem {
	rec, err := parseRecord(raw)
	if err != nil {
		return &Problem{Line: v.line, Check: CheckJSON, Detail: err.Error()}
	}
	if p := v.checkSeq(rec.Seq); p != nil {
		return p
	}
	if rec.Prev != v.head.Hash {
		p := &Problem{Line: v.line, Seq: rec.Seq, Check: CheckPrev, Detail: fmt.Sprintf(
			"prev is not the hash of line %d (seq %d): that line was altered, or records before this one were removed", v.line-1, v.head.Seq)}
		if v.line == 1 {
			p.Detail = "prev of the first line is not the genesis hash: records before it were removed"
		}
		return p
	}
	sum := sha256.Sum256(raw)
	v.head = Head{Seq: rec.Seq, Hash: hex.EncodeToString(sum[:])}
	v.records++
	if v.head.Hash == v.anchor {
		v.anchored = true
	}
	return nil
}

// checkSeq checks that seq follows the head's; on a jump it reads the next line to tell a
// reordering (the missing seq comes next) from a removal.
func (v *verifier) checkSeq(seq uint64) *Problem {
	want := v.head.Seq + 1
	p := &Problem{Line: v.line, Seq: seq, Check: CheckOrder}
	switch {
	case seq == want:
		return nil
	case seq < want:
		p.Detail = fmt.Sprintf("seq %d comes after seq %d: records were reordered or repeated", seq, v.head.Seq)
		return p
	}
	if next, ok := v.peekSeq(); ok && next >= want && next < seq {
		p.Detail = fmt.Sprintf("seq %d comes before seq %d (on the next line): records were reordered", seq, next)
		return p
	}
	p.Check = CheckGap
	if seq == want+1 {
		p.Detail = fmt.Sprintf("seq %d follows seq %d: record %d was removed", seq, v.head.Seq, want)
	} else {
		p.Detail = fmt.Sprintf("seq %d follows seq %d: records %d to %d were removed", seq, v.head.Seq, want, seq-1)
	}
	return p
}

// peekSeq reads the seq of the next line (consuming it: Verify stops at the problem anyway).
func (v *verifier) peekSeq() (uint64, bool) {
	raw, complete, err := v.readLine()
	if err != nil || !complete {
		return 0, false
	}
	rec, err := parseRecord(raw)
	return rec.Seq, err == nil
}

// parseRecord reads the seq and prev of one line: a JSON object with seq ≥ 1 and a 64-digit hex
// prev. Other fields are not checked here: a change to them shows in the next line's prev.
func parseRecord(raw []byte) (link, error) {
	if rec, ok := fastLink(raw); ok {
		return rec, nil
	}
	var rec link
	if err := json.Unmarshal(raw, &rec); err != nil {
		return rec, fmt.Errorf("not a record: %v", err)
	}
	if _, err := hex.DecodeString(rec.Prev); err != nil || len(rec.Prev) != 64 || rec.Seq == 0 {
		return rec, errors.New("not a record: no seq ≥ 1 or no 64-digit hex prev")
	}
	return rec, nil
}

var (
	seqKey    = []byte(`"seq":`)
	prevKey   = []byte(`"prev":`)
	seqStart  = []byte(`{"seq":`)
	prevStart = []byte(`,"prev":"`)
)

// fastLink reads seq and prev without reflection from a line shaped as Append writes it,
// {"seq":N,…,"prev":"<64 lower-case hex digits>"}, valid JSON with one seq and one prev key. Other
// lines go to json.Unmarshal, which reads the same values from every line fastLink reads.
func fastLink(raw []byte) (link, bool) {
	rest, ok := bytes.CutPrefix(raw, seqStart)
	if !ok || len(raw) < len(seqStart)+1+len(prevStart)+64+2 || !bytes.HasSuffix(raw, []byte(`"}`)) {
		return link{}, false
	}
	var seq uint64
	i := 0
	for ; i < len(rest) && i < 19 && rest[i] >= '0' && rest[i] <= '9'; i++ {
		seq = seq*10 + uint64(rest[i]-'0')
	}
	prev := raw[len(raw)-2-64 : len(raw)-2]
	if i == 0 || rest[i] != ',' || seq == 0 || !bytes.HasSuffix(raw[:len(raw)-2-64], prevStart) || !lowerHex(prev) ||
		bytes.Count(raw, seqKey) != 1 || bytes.Count(raw, prevKey) != 1 || !json.Valid(raw) {
		return link{}, false
	}
	return link{Seq: seq, Prev: string(prev)}, true
}

func lowerHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// link is what chains a record to the one before.
type link struct {
	Seq  uint64 `json:"seq"`
	Prev string `json:"prev"`
}

var errLong = fmt.Errorf("line longer than %d bytes", MaxLine)

// readLine reads one line without its newline and says whether it had one; io.EOF at the end.
// The line is valid until the next call.
func (v *verifier) readLine() ([]byte, bool, error) {
	line := v.buf[:0]
	defer func() { v.buf = line[:0] }()
	for {
		chunk, err := v.in.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxLine+1 {
			return nil, false, errLong
		}
		switch {
		case err == nil:
			return line[:len(line)-1], true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && len(line) > 0:
			return line, false, nil
		default:
			return nil, false, err
		}
	}
}
