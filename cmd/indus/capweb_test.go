package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The CAP <web> template and <contact> come from the file, INDUS_CAP_WEB / INDUS_CAP_CONTACT or
// flags; a web template that is not an absolute http(s) URL stops the server at start.
func TestCAPWebContactConfig(t *testing.T) {
	if cfg, err := loadQuiet(); err != nil || cfg.CAPWeb != "" || cfg.CAPContact != "" {
		t.Fatalf("defaults (the public URL's page, the sender): %q %q %v", cfg.CAPWeb, cfg.CAPContact, err)
	}
	file := filepath.Join(t.TempDir(), "indus.yaml")
	os.WriteFile(file, []byte("cap_web: https://ffd.gov.pk/w/{id}\ncap_contact: FFD Lahore\n"), 0o644)
	t.Setenv("INDUS_CAP_CONTACT", "PMD Islamabad")
	cfg, err := loadQuiet("--config", file)
	if err != nil || cfg.CAPWeb != "https://ffd.gov.pk/w/{id}" || cfg.CAPContact != "PMD Islamabad" {
		t.Fatalf("file and environment: %q %q %v", cfg.CAPWeb, cfg.CAPContact, err)
	}
	if cfg, err = loadQuiet("--cap-web", "http://x.pk/{id}.html", "--cap-contact", "NDMA"); err != nil || cfg.CAPWeb != "http://x.pk/{id}.html" || cfg.CAPContact != "NDMA" {
		t.Fatalf("flags: %q %q %v", cfg.CAPWeb, cfg.CAPContact, err)
	}
	if _, err := loadQuiet("--cap-web", "ffd.gov.pk/w/{id}"); err == nil || !strings.Contains(err.Error(), "CAP web") {
		t.Errorf("a relative web link: %v", err)
	}
}
