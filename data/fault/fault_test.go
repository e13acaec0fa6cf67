package fault

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

// KindOf finds the first *Error through any wrapping; anything else is internal.
func TestKindOf(t *testing.T) {
	cause := &Error{Kind: KindTimeout, Msg: "slow", Err: io.ErrUnexpectedEOF}
	cases := []struct {
		err  error
		want Kind
	}{
		{Invalid("bad zoom", "zoom 30 is above 24"), KindInvalid},
		{fmt.Errorf("outer: %w", Errorf(KindNotFound, "no layer %q", "x")), KindNotFound},
		{fmt.Errorf("a: %w", fmt.Errorf("b: %w", cause)), KindTimeout},
		{io.EOF, KindInternal},
		{nil, KindInternal},
	}
	for _, c := range cases {
		if got := KindOf(c.err); got != c.want {
			t.Errorf("KindOf(%v) = %q, want %q", c.err, got, c.want)
		}
	}
	if !errors.Is(cause, io.ErrUnexpectedEOF) {
		t.Error("Unwrap does not reach the cause")
	}
}

// Error's text is the message, then the detail, then the cause.
func TestErrorText(t *testing.T) {
	cases := map[string]*Error{
		"bad zoom":                         {Kind: KindInvalid, Msg: "bad zoom"},
		"bad zoom: zoom 30 is above 24":    Invalid("bad zoom", "zoom 30 is above 24"),
		"no layer \"x\"":                   Errorf(KindNotFound, "no layer %q", "x"),
		"read: short: unexpected EOF":      {Kind: KindInternal, Msg: "read", Detail: "short", Err: io.ErrUnexpectedEOF},
		"conflict: version 3 is not 4 now": {Kind: KindConflict, Msg: "conflict", Detail: "version 3 is not 4 now"},
	}
	for want, e := range cases {
		if got := e.Error(); got != want {
			t.Errorf("Error() = %q, want %q", got, want)
		}
	}
}
