package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The CAP sender, sender name and template folder come from the file, INDUS_CAP_* or flags, and
// a bad sender or a broken template stops the server at start with a clear error.
func TestCAPConfig(t *testing.T) {
	cfg, err := loadQuiet()
	if err != nil || cfg.CAPSender != "warnings@indus.invalid" || cfg.CAPSenderName != "Indus flood warnings (Digital CPEC Platform)" || cfg.CAPTemplates != "" {
		t.Fatalf("defaults %+v %v", cfg, err)
	}
	file := filepath.Join(t.TempDir(), "indus.yaml")
	os.WriteFile(file, []byte("cap_sender: file@ffd.gov.pk\ncap_sender_name: FFD Lahore\n"), 0o644)
	t.Setenv("INDUS_CAP_SENDER", "env@ffd.gov.pk")
	cfg, err = loadQuiet("--config", file, "--cap-sender-name", "Flood Forecasting Division")
	if err != nil || cfg.CAPSender != "env@ffd.gov.pk" || cfg.CAPSenderName != "Flood Forecasting Division" {
		t.Fatalf("precedence %+v %v", cfg, err)
	}
	if _, err := loadQuiet("--cap-sender", "FFD Lahore"); err == nil || !strings.Contains(err.Error(), `CAP sender "FFD Lahore"`) {
		t.Errorf("a sender with a space: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "en-US.tmpl"), []byte("{{define \"event\"}}x{{end}}\n{{define \"headline\"}}{{.Station}{{end}}"), 0o644)
	t.Setenv("INDUS_CAP_TEMPLATES", dir)
	if _, err := loadQuiet(); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "en-US.tmpl")) || !strings.Contains(err.Error(), "en-US.tmpl:2:") {
		t.Errorf("a broken template: %v", err)
	}
}

// loadQuiet is loadConfig over args with a flag set of its own that prints nothing.
func loadQuiet(args ...string) (config, error) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return loadConfig(fs, args)
}
