// Package postgres is Indus's PostgreSQL adapter. Cluster runs a private PostgreSQL + PostGIS
// server (Debian packages) in a folder of its own on a loopback port, for tests, benchmarks and
// the one-machine replica setup; binaries and extensions are found through pg_config, never at a
// fixed path. Connect, Migrate and Listen open the state database that replicas share; Versions
// watches the versions of PG: source layers there.
package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Cluster is a running private PostgreSQL server with a database "indus" that has PostGIS.
type Cluster struct {
	Dir  string // data folder
	Port int
	bin  string
	root bool // running as root: the server runs as the postgres user
}

// Available reports why a private PostGIS cluster cannot be started here, or nil.
func Available() error {
	bin, share, err := dirs()
	if err != nil {
		return err
	}
	for _, p := range []string{filepath.Join(bin, "initdb"), filepath.Join(bin, "pg_ctl"), filepath.Join(share, "extension", "postgis.control")} {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("PostgreSQL or PostGIS is not installed (make pg-deps installs postgresql-15-postgis-3): %w", err)
		}
	}
	return nil
}

// dirs asks pg_config where the server binaries and shared files are.
func dirs() (bin, share string, err error) {
	out, err := exec.Command("pg_config", "--bindir", "--sharedir").Output()
	if err != nil {
		return "", "", fmt.Errorf("pg_config: %w (make pg-deps installs PostgreSQL)", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return "", "", fmt.Errorf("pg_config printed %q", out)
	}
	return f[0], f[1], nil
}

// Start initializes dir (when it holds no cluster yet) and starts a server on a free loopback
// port, tuned for tests (fsync off), with a database "indus" that has the postgis extension.
func Start(ctx context.Context, dir string) (*Cluster, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	bin, _, _ := dirs()
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, Port: port, bin: bin, root: os.Geteuid() == 0}
	if err := c.init(ctx); err != nil {
		return nil, err
	}
	if err := c.pgctl(ctx, "-D", dir, "-l", filepath.Join(dir, "log"), "-w", "-o",
		fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=256MB", port, dir), "start"); err != nil {
		return nil, fmt.Errorf("starting PostgreSQL in %s: %w", dir, err)
	}
	if err := c.createDB(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) init(ctx context.Context) error {
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return err
	}
	if c.root {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.Dir, uid, gid); err != nil {
			return err
		}
		os.Chmod(filepath.Dir(c.Dir), 0o755) // the postgres user must reach its folder
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "PG_VERSION")); err == nil {
		return nil
	}
	return c.run(ctx, filepath.Join(c.bin, "initdb"), "-D", c.Dir, "-A", "trust", "-U", "postgres")
}

func (c *Cluster) createDB(ctx context.Context) error {
	if err := c.SQL(ctx, "postgres", "CREATE DATABASE indus"); err != nil && !strings.Contains(err.Error(), "already exists") {
		return err
	}
	return c.SQL(ctx, "indus", "CREATE EXTENSION IF NOT EXISTS postgis")
}

// Conn is the libpq connection string of the "indus" database.
func (c *Cluster) Conn() string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=indus", c.Port)
}

// URL is the connection URL of the "indus" database.
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/indus?sslmode=disable", c.Port)
}

// SQL runs statements with psql in database db.
func (c *Cluster) SQL(ctx context.Context, db, sql string) error {
	cmd := exec.CommandContext(ctx, "psql", "-h", "127.0.0.1", "-p", strconv.Itoa(c.Port), "-U", "postgres", "-d", db,
		"-v", "ON_ERROR_STOP=1", "-q", "-c", sql)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("psql: %v: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// Stop stops the server (fast shutdown); the folder stays.
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return c.pgctl(ctx, "-D", c.Dir, "-m", "fast", "-w", "stop")
}

func (c *Cluster) pgctl(ctx context.Context, args ...string) error {
	return c.run(ctx, filepath.Join(c.bin, "pg_ctl"), args...)
}

// run runs a server command, as the postgres user when this process is root.
func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	if c.root {
		args = append([]string{"-u", "postgres", "--", name}, args...)
		name = "runuser"
	}
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", filepath.Base(name), err, bytes.TrimSpace(out))
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if port == 0 {
		return 0, errors.New("no free port")
	}
	return port, nil
}
