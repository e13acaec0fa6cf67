// Package fault holds Indus's error kinds: an Error carries a Kind that transports map to a status
// (HTTP: one table in the server), a short message for users and an optional detail. It imports
// only the standard library, so that every package, adapters included, can classify its failures
// without depending on the domain core (data).
package fault

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error so that transports can map it to a status (HTTP: one table in the server).
type Kind string

// Error kinds. Adapters and services wrap their failures in one of these.
const (
	KindInvalid  Kind = "invalid"      // the caller sent something wrong
	KindNotFound Kind = "not_found"    // the thing asked for does not exist
	KindTooLarge Kind = "too_large"    // the request exceeds a documented limit
	KindTimeout  Kind = "timeout"      // the work did not finish before its deadline
	KindAuth     Kind = "unauthorized" // no key, or a key that is not valid
	// KindForbidden: a valid key without the right the request needs.
	KindForbidden Kind = "forbidden"
	// KindTooMany: the caller sent more requests than its rate allows; the request may succeed later.
	KindTooMany  Kind = "too_many"
	KindConflict Kind = "conflict"
	KindInternal Kind = "internal" // a bug or an unexpected failure
	// KindUnavailable: a service the request needs (the shared state database) cannot be reached;
	// the request may succeed later.
	KindUnavailable Kind = "unavailable"
	// KindUnsupported: the request's body is in a form the server does not read (an encoding).
	KindUnsupported Kind = "unsupported"
)

// Error is an error with a kind, a short message for users and an optional detail.
type Error struct {
	Kind   Kind
	Msg    string
	Detail string
	Err    error // wrapped cause, not shown to users
}

func (e *Error) Error() string {
	s := e.Msg
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Invalid returns a KindInvalid error with a message and a detail.
func Invalid(msg, detail string) *Error { return &Error{Kind: KindInvalid, Msg: msg, Detail: detail} }

// KindOf reports the kind of err: the kind of the first *Error in its chain, KindInternal otherwise.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Admit refuses at once (KindTooLarge) work estimated to take est when ctx's deadline is nearer,
// rather than spend that time and fail: what names the work ("the query"), advice says how to ask
// for less. Without a deadline everything is admitted.
func Admit(ctx context.Context, est time.Duration, what, advice string) error {
	dl, ok := ctx.Deadline()
	if !ok {
		return nil
	}
	if left := time.Until(dl); est > left {
		return &Error{Kind: KindTooLarge, Msg: what + " is too large to answer in time",
			Detail: fmt.Sprintf("it would take about %s and the deadline is %s away: %s",
				est.Round(10*time.Millisecond), left.Round(10*time.Millisecond), advice)}
	}
	return nil
}
