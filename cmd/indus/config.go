package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/cpec-digital/indus/analytics/warnings"
)

// config is everything `indus serve` can be told, from a YAML file, then INDUS_* environment
// variables, then flags (each later source overrides the earlier ones).
type config struct {
	Addr           string        `yaml:"addr"`               // INDUS_ADDR, --addr
	Catalog        string        `yaml:"catalog"`            // INDUS_CATALOG, --catalog; empty: the embedded Pakistan dataset
	DataDir        string        `yaml:"data_dir"`           // INDUS_DATA_DIR, --data-dir: the default dataset's files and cached snapshots
	Snapshot       string        `yaml:"snapshot"`           // INDUS_SNAPSHOT, --snapshot: serve this snapshot file
	PublicURL      string        `yaml:"public_url"`         // INDUS_PUBLIC_URL, --public-url
	CacheMB        int           `yaml:"cache_mb"`           // INDUS_CACHE_MB, --cache-mb: tile cache size
	RequestTimeout time.Duration `yaml:"request_timeout"`    // INDUS_REQUEST_TIMEOUT, --request-timeout
	RiskTimeout    time.Duration `yaml:"risk_timeout"`       // INDUS_RISK_TIMEOUT, --risk-timeout
	LogLevel       string        `yaml:"log_level"`          // INDUS_LOG_LEVEL, --log-level: debug, info, warn, error
	LogFormat      string        `yaml:"log_format"`         // INDUS_LOG_FORMAT, --log-format: text or json
	Workers        int           `yaml:"gdal_workers"`       // INDUS_GDAL_WORKERS, --gdal-workers: GDAL threads at load
	StateDir       string        `yaml:"state_dir"`          // INDUS_STATE_DIR, --state-dir: the warnings journal lives here
	StateDB        string        `yaml:"state_db"`           // INDUS_STATE_DB, --state-db: PostgreSQL shared by replicas, instead of the journal
	APIKey         string        `yaml:"api_key"`            // INDUS_API_KEY (no flag: it would show in ps): bearer key of write endpoints
	TileCache      string        `yaml:"tile_cache_control"` // INDUS_TILE_CACHE_CONTROL, --tile-cache-control
	CAPSender      string        `yaml:"cap_sender"`         // INDUS_CAP_SENDER, --cap-sender: CAP <sender> of the warnings
	CAPSenderName  string        `yaml:"cap_sender_name"`    // INDUS_CAP_SENDER_NAME, --cap-sender-name: CAP <senderName>
	CAPTemplates   string        `yaml:"cap_templates"`      // INDUS_CAP_TEMPLATES, --cap-templates: folder of CAP text templates
	CAPWeb         string        `yaml:"cap_web"`            // INDUS_CAP_WEB, --cap-web: CAP <web> of a warning, {id} its identifier
	CAPContact     string        `yaml:"cap_contact"`        // INDUS_CAP_CONTACT, --cap-contact: CAP <contact>
	PMTiles        []string      `yaml:"pmtiles"`            // INDUS_PMTILES (comma list), --pmtiles (repeatable): NAME=PATH_OR_URL archives to serve
	Keys           string        `yaml:"keys"`               // INDUS_KEYS, --keys: the keys file (indus keys add)
	AuditLog       string        `yaml:"audit_log"`          // INDUS_AUDIT_LOG, --audit-log: the append-only audit log
	RateLimit      int           `yaml:"rate_limit"`         // INDUS_RATE_LIMIT, --rate-limit: requests a minute on expensive routes, per key or address; 0: off
	RateBurst      int           `yaml:"rate_burst"`         // INDUS_RATE_BURST, --rate-burst: requests allowed at once [rate-limit / 6, at least 1]
	ShutdownDelay  time.Duration `yaml:"shutdown_delay"`     // INDUS_SHUTDOWN_DELAY, --shutdown-delay: /ready answers 503 this long before the listener closes
}

func defaultConfig() config {
	wc := warnings.DefaultConfig("")
	return config{Addr: ":8080", CacheMB: 256, RequestTimeout: 10 * time.Second, RiskTimeout: 20 * time.Second,
		LogLevel: "info", LogFormat: "text", Workers: 2, CAPSender: wc.Sender, CAPSenderName: wc.SenderName}
}

// defaultStateDir holds the warnings journal.
func defaultStateDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "indus", "state")
}

// defaultDataDir holds the embedded dataset's files (pakistan/) and cached snapshots (snapshots/).
func defaultDataDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "indus")
}

// flags binds the config to a flag set; the file flag is returned separately.
func (c *config) flags(fs *flag.FlagSet) *string {
	file := fs.String("config", os.Getenv("INDUS_CONFIG"), "YAML config file (INDUS_CONFIG)")
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address HOST:PORT (INDUS_ADDR)")
	fs.StringVar(&c.Catalog, "catalog", c.Catalog, "catalog YAML file; empty: the embedded Pakistan dataset (INDUS_CATALOG)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder for the default dataset's files and cached snapshots (INDUS_DATA_DIR; default: user cache dir/indus)")
	fs.StringVar(&c.Snapshot, "snapshot", c.Snapshot, "serve this snapshot file (from indus build) instead of reading a catalog (INDUS_SNAPSHOT)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "base URL clients reach the server at, for TileJSON and links (INDUS_PUBLIC_URL)")
	fs.IntVar(&c.CacheMB, "cache-mb", c.CacheMB, "tile cache size in MiB (INDUS_CACHE_MB)")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "deadline of one request (INDUS_REQUEST_TIMEOUT)")
	fs.DurationVar(&c.RiskTimeout, "risk-timeout", c.RiskTimeout, "deadline of one /risk/* request (INDUS_RISK_TIMEOUT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (INDUS_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (INDUS_LOG_FORMAT)")
	fs.IntVar(&c.Workers, "gdal-workers", c.Workers, "GDAL reader threads at load (INDUS_GDAL_WORKERS)")
	fs.StringVar(&c.TileCache, "tile-cache-control", c.TileCache, "Cache-Control header of tiles (INDUS_TILE_CACHE_CONTROL; default public, max-age=300)")
	fs.StringVar(&c.StateDir, "state-dir", c.StateDir, "folder of the warnings journal (INDUS_STATE_DIR; default: user cache dir)")
	fs.StringVar(&c.StateDB, "state-db", c.StateDB, "PostgreSQL URL of the state replicas share (readings, warnings, layer versions) instead of the journal (INDUS_STATE_DB)")
	fs.StringVar(&c.CAPSender, "cap-sender", c.CAPSender, "CAP sender of the flood warnings: no spaces, commas, < or & (INDUS_CAP_SENDER)")
	fs.StringVar(&c.CAPSenderName, "cap-sender-name", c.CAPSenderName, "CAP senderName of the flood warnings; empty: none (INDUS_CAP_SENDER_NAME)")
	fs.StringVar(&c.CAPWeb, "cap-web", c.CAPWeb, "CAP web link of each warning, {id} its identifier; default: PUBLIC_URL/warnings/{id}.json (INDUS_CAP_WEB)")
	fs.StringVar(&c.CAPContact, "cap-contact", c.CAPContact, "CAP contact of the flood warnings; default: the CAP sender (INDUS_CAP_CONTACT)")
	fs.StringVar(&c.CAPTemplates, "cap-templates", c.CAPTemplates, "folder of CAP text templates, one LANG.tmpl each; default: built-in en-US and ur-PK (INDUS_CAP_TEMPLATES)")
	fs.StringVar(&c.Keys, "keys", c.Keys, "keys file: API keys with their groups and rights, reloaded on SIGHUP (INDUS_KEYS)")
	fs.StringVar(&c.AuditLog, "audit-log", c.AuditLog, "append-only, hash-chained audit log of writes and reads of restricted data (INDUS_AUDIT_LOG)")
	fs.IntVar(&c.RateLimit, "rate-limit", c.RateLimit, "requests a minute on /risk/*, /plan/* and exports, per key (per address without one); 0: off (INDUS_RATE_LIMIT)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "requests allowed at once under --rate-limit (INDUS_RATE_BURST; default rate-limit/6, at least 1)")
	fs.Var(&archiveList{list: &c.PMTiles}, "pmtiles", "serve a PMTiles archive NAME=PATH_OR_URL under /pmtiles/NAME; repeatable (INDUS_PMTILES, a comma list)")
	fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", c.ShutdownDelay, "at SIGTERM, answer /ready with 503 this long before closing the listener, for load balancers to notice (INDUS_SHUTDOWN_DELAY)")
	return file
}

// load applies the file and the environment under the flags: it parses args twice, first to find
// the file, then again so that explicit flags win.
func loadConfig(fs *flag.FlagSet, args []string) (config, error) {
	c := defaultConfig()
	probe := flag.NewFlagSet("probe", flag.ContinueOnError)
	probe.SetOutput(&bytes.Buffer{})
	pc := c
	file := pc.flags(probe)
	_ = probe.Parse(args)
	if *file != "" {
		raw, err := os.ReadFile(*file)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		dec.KnownFields(true)
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("config %s: %w", *file, err)
		}
	}
	if err := c.env(); err != nil {
		return c, err
	}
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return c, c.check()
}

func (c *config) env() error {
	str := map[string]*string{"INDUS_ADDR": &c.Addr, "INDUS_CATALOG": &c.Catalog, "INDUS_DATA_DIR": &c.DataDir, "INDUS_SNAPSHOT": &c.Snapshot,
		"INDUS_PUBLIC_URL": &c.PublicURL, "INDUS_LOG_LEVEL": &c.LogLevel, "INDUS_LOG_FORMAT": &c.LogFormat,
		"INDUS_STATE_DIR": &c.StateDir, "INDUS_STATE_DB": &c.StateDB, "INDUS_API_KEY": &c.APIKey, "INDUS_TILE_CACHE_CONTROL": &c.TileCache,
		"INDUS_CAP_SENDER": &c.CAPSender, "INDUS_CAP_SENDER_NAME": &c.CAPSenderName, "INDUS_CAP_TEMPLATES": &c.CAPTemplates,
		"INDUS_CAP_WEB": &c.CAPWeb, "INDUS_CAP_CONTACT": &c.CAPContact,
		"INDUS_KEYS": &c.Keys, "INDUS_AUDIT_LOG": &c.AuditLog}
	for k, p := range str {
		if v, ok := os.LookupEnv(k); ok {
			*p = v
		}
	}
	if v, ok := os.LookupEnv("INDUS_PMTILES"); ok {
		c.PMTiles = splitComma(v) // NAME=PATH_OR_URL,...
	}
	ints := map[string]*int{"INDUS_CACHE_MB": &c.CacheMB, "INDUS_GDAL_WORKERS": &c.Workers, "INDUS_RATE_LIMIT": &c.RateLimit, "INDUS_RATE_BURST": &c.RateBurst}
	for k, p := range ints {
		if v, ok := os.LookupEnv(k); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("%s=%q: not an integer", k, v)
			}
			*p = n
		}
	}
	durations := map[string]*time.Duration{"INDUS_REQUEST_TIMEOUT": &c.RequestTimeout, "INDUS_RISK_TIMEOUT": &c.RiskTimeout,
		"INDUS_SHUTDOWN_DELAY": &c.ShutdownDelay}
	for k, p := range durations {
		if v, ok := os.LookupEnv(k); ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s=%q: %v", k, v, err)
			}
			*p = d
		}
	}
	return nil
}

func (c *config) check() error {
	switch {
	case c.Snapshot != "" && c.Catalog != "":
		return fmt.Errorf("give a catalog or a snapshot, not both")
	case c.CacheMB < 0 || c.CacheMB > 1<<20:
		return fmt.Errorf("cache-mb %d out of range", c.CacheMB)
	case c.RequestTimeout <= 0 || c.RiskTimeout <= 0:
		return fmt.Errorf("request-timeout and risk-timeout must be positive")
	case c.ShutdownDelay < 0 || c.ShutdownDelay > 5*time.Minute:
		return fmt.Errorf("shutdown-delay %v out of range 0-5m", c.ShutdownDelay)
	case c.Workers < 1 || c.Workers > 64:
		return fmt.Errorf("gdal-workers %d out of range 1-64", c.Workers)
	case c.LogFormat != "text" && c.LogFormat != "json":
		return fmt.Errorf("log-format %q: want text or json", c.LogFormat)
	case c.RateLimit < 0 || c.RateBurst < 0:
		return fmt.Errorf("rate-limit and rate-burst must not be negative")
	}
	if _, err := archiveSpecs(c.PMTiles); err != nil {
		return err
	}
	if err := warnings.CheckSender(c.CAPSender); err != nil {
		return err
	}
	if err := warnings.CheckWeb(c.CAPWeb); err != nil {
		return err
	}
	_, err := warnings.LoadTexts(c.CAPTemplates) // at start, before the dataset loads
	return err
}
