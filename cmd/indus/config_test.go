package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A YAML file is overridden by INDUS_* variables, which are overridden by flags.
func TestConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "indus.yaml")
	os.WriteFile(file, []byte("addr: \":7000\"\ncache_mb: 64\nlog_level: warn\nrequest_timeout: 3s\npublic_url: https://file.example\n"), 0o644)
	t.Setenv("INDUS_CACHE_MB", "128")
	t.Setenv("INDUS_PUBLIC_URL", "https://env.example")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := loadConfig(fs, []string{"--config", file, "--public-url", "https://flag.example"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != ":7000" || cfg.CacheMB != 128 || cfg.PublicURL != "https://flag.example" || cfg.LogLevel != "warn" || cfg.RequestTimeout != 3*time.Second {
		t.Fatalf("config %+v", cfg)
	}
	for _, bad := range [][]string{{"--config", file, "--cache-mb", "-1"}, {"--log-format", "xml"}, {"--nope"}, {"extra"}} {
		if _, err := loadConfig(flag.NewFlagSet("t", flag.ContinueOnError), bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
	os.WriteFile(file, []byte("adress: typo\n"), 0o644)
	if _, err := loadConfig(flag.NewFlagSet("t", flag.ContinueOnError), []string{"--config", file}); err == nil {
		t.Error("an unknown config key was accepted")
	}
}
