// Package testenv decides whether a test may use what lies outside the Go build: command line
// tools (GDAL's, xmllint, haproxy, psql, node), the npm packages of styles/web, Debian's fonts,
// chromium, a PostgreSQL cluster, or the real indus binary with its child processes.
//
// Under go test -short (make unit) every such test is skipped, so a test gets the fast suite's
// skip by asking for what it needs here. Without -short a missing tool skips the test, except
// under CI (make test installs everything), where it fails.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// External skips t under -short: it needs what (a tool, a service, the real binary).
func External(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s: skipped under -short (make unit); make test runs it", what)
	}
}

// Missing skips t because what is not installed, or fails it under CI, where make test installs it.
func Missing(t testing.TB, what string) {
	t.Helper()
	msg := what + " is not installed (make test installs it)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Tool returns the path of the command name, or of the first of paths that exists (for tools
// outside a user's PATH, such as /usr/sbin/haproxy); under -short or when it is missing, t is
// skipped as External and Missing say.
func Tool(t testing.TB, name string, paths ...string) string {
	t.Helper()
	External(t, name)
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	Missing(t, name)
	return ""
}

// Files requires installed files or folders (npm packages, fonts, chromium), described by what;
// under -short or when one is missing, t is skipped as External and Missing say.
func Files(t testing.TB, what string, paths ...string) {
	t.Helper()
	External(t, what)
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			Missing(t, what)
		}
	}
}
