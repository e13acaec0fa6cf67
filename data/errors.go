package data

import "github.com/cpec-digital/indus/data/fault"

// The error kinds live in data/fault, a leaf package that adapters can import without the domain
// core. These aliases are for compatibility: code that says data.Invalid or data.KindNotFound
// keeps compiling and means exactly the fault ones. New code imports data/fault.

// Kind classifies an error (see fault.Kind).
type Kind = fault.Kind

// Error is an error with a kind (see fault.Error).
type Error = fault.Error

// Error kinds (see data/fault).
const (
	KindInvalid     = fault.KindInvalid
	KindNotFound    = fault.KindNotFound
	KindTooLarge    = fault.KindTooLarge
	KindTimeout     = fault.KindTimeout
	KindAuth        = fault.KindAuth
	KindForbidden   = fault.KindForbidden
	KindTooMany     = fault.KindTooMany
	KindConflict    = fault.KindConflict
	KindInternal    = fault.KindInternal
	KindUnavailable = fault.KindUnavailable
	KindUnsupported = fault.KindUnsupported
)

// Errorf returns an *Error of the given kind with a formatted message (see fault.Errorf).
func Errorf(kind Kind, format string, args ...any) *Error {
	return fault.Errorf(kind, format, args...)
}

// Invalid returns a KindInvalid error with a message and a detail (see fault.Invalid).
func Invalid(msg, detail string) *Error { return fault.Invalid(msg, detail) }

// KindOf reports the kind of err (see fault.KindOf).
func KindOf(err error) Kind { return fault.KindOf(err) }
