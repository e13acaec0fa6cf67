//go:build !linux

package auditlog

import "os"

// reserve is a no-op where fallocate is not available: Writable then learns of a full disk or a
// read-only file only from a failed Append.
func reserve(*os.File, int64, int64) error { return nil }
