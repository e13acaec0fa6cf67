package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cpec-digital/indus/data/postgres"
	"github.com/cpec-digital/indus/data/postgres/pgtest"
	"github.com/cpec-digital/indus/data/testenv"
)

// cluster is PostgreSQL, n Indus replicas sharing it (--state-db) and HAProxy in front of them
// (round robin), all on loopback ports of their own.
type cluster struct {
	pg    *postgres.Cluster
	bin   string
	env   []string
	addrs []string // host:port of each replica
	cmds  []*exec.Cmd
	proxy string // base URL of the proxy
}

// haproxy finds Debian's haproxy, or skips the test (fails it under CI, where make test installs it).
func haproxy(t testing.TB) string {
	return testenv.Tool(t, "haproxy", "/usr/sbin/haproxy")
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func startCluster(t testing.TB, n int) *cluster {
	t.Helper()
	hap := haproxy(t)
	pg := pgtest.Require(t)
	port := freePort(t)
	c := &cluster{pg: pg, bin: binary(t), proxy: fmt.Sprintf("http://127.0.0.1:%d", port),
		env: []string{"INDUS_API_KEY=" + testKey, "INDUS_STATE_DB=" + pg.URL(), "INDUS_PUBLIC_URL=" + fmt.Sprintf("http://127.0.0.1:%d", port)}}
	for range n {
		base, cmd := startProcess(t, c.bin, c.env)
		c.addrs = append(c.addrs, strings.TrimPrefix(base, "http://"))
		c.cmds = append(c.cmds, cmd)
	}
	startProxy(t, hap, port, c.addrs)
	return c
}

// restart starts replica i again on its address.
func (c *cluster) restart(t testing.TB, i int) {
	t.Helper()
	_, c.cmds[i] = startProcess(t, c.bin, c.env, "--addr", c.addrs[i])
}

// startProxy runs HAProxy on port, round robin over the replicas, with health checks every
// 200 ms and connection failures retried on another replica (requests not yet sent). Event
// streams need http-no-delay: without it HAProxy lets the kernel hold small writes (MSG_MORE)
// for up to 200 ms.
func startProxy(t testing.TB, bin string, port int, addrs []string) {
	t.Helper()
	var servers strings.Builder
	for i, a := range addrs {
		fmt.Fprintf(&servers, "  server r%d %s check\n", i, a)
	}
	cfg := fmt.Sprintf(`global
  maxconn 4000
defaults
  mode http
  timeout connect 2s
  timeout client 1h
  timeout server 1h
  retries 3
  option redispatch
  option http-no-delay
frontend indus
  bind 127.0.0.1:%d
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /health
  default-server inter 200ms fall 2 rise 2
%s`, port, servers.String())
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-f", path, "-db")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/health", port)); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("haproxy did not start:\n%s", out.String())
}

// follower is an event stream client that reconnects through the proxy with Last-Event-ID.
type follower struct {
	mu         sync.Mutex
	ids        []uint64 // ids of enter, update and exit events, in order
	last       string
	resets     int
	reconnects int
}

// run follows first, then again (the proxy) after every disconnection, until ctx ends; ready
// is closed once the first stream is open.
func (f *follower) run(ctx context.Context, client *http.Client, first, again string, ready chan struct{}) {
	url := first
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, "GET", url+"/warnings/stream", nil)
		f.mu.Lock()
		if f.last != "" {
			req.Header.Set("Last-Event-ID", f.last)
		}
		f.mu.Unlock()
		if res, err := client.Do(req); err == nil {
			if res.StatusCode == 200 {
				f.read(res.Body, ready)
				ready = nil
			}
			res.Body.Close()
		}
		if ctx.Err() != nil {
			return
		}
		f.mu.Lock()
		f.reconnects++
		f.mu.Unlock()
		url = again
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *follower) read(body io.Reader, ready chan struct{}) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var id, typ string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == ": subscribed" && ready != nil:
			close(ready)
			ready = nil
		case strings.HasPrefix(line, "id: "):
			id = line[4:]
		case strings.HasPrefix(line, "event: "):
			typ = line[7:]
		case line == "" && typ != "":
			n, _ := strconv.ParseUint(id, 10, 64)
			f.mu.Lock()
			f.last = id
			if typ == "reset" {
				f.resets++
			} else {
				f.ids = append(f.ids, n)
			}
			f.mu.Unlock()
			id, typ = "", ""
		}
	}
}

// after returns the event ids above seq.
func (f *follower) after(seq uint64) []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []uint64
	for _, id := range f.ids {
		if id > seq {
			out = append(out, id)
		}
	}
	return out
}

// postAcked posts a reading until it is acknowledged (a resent reading already stored is a
// duplicate and answers with its seq) and returns its seq.
func postAcked(t testing.TB, base, body string) uint64 {
	for range 200 {
		code, b, err := postReading(base, testKey, body)
		if err == nil && code == 200 {
			var res struct {
				Accepted []struct{ Seq uint64 } `json:"accepted"`
			}
			if json.Unmarshal(b, &res) == nil && len(res.Accepted) == 1 {
				return res.Accepted[0].Seq
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("reading never acknowledged: %s", body)
	return 0
}

// status is a replica's /health warnings status.
func status(base string) (uint64, error) {
	res, err := http.Get(base + "/health")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var h struct {
		Warnings struct {
			Store string `json:"store"`
			Seq   uint64 `json:"seq"`
		} `json:"warnings"`
	}
	if err := json.NewDecoder(res.Body).Decode(&h); err != nil {
		return 0, err
	}
	if h.Warnings.Store != "shared log" {
		return 0, fmt.Errorf("store %q", h.Warnings.Store)
	}
	return h.Warnings.Seq, nil
}

// caughtUp waits until every given replica has applied the log up to seq.
func caughtUp(t testing.TB, seq uint64, addrs ...string) {
	t.Helper()
	for _, a := range addrs {
		for i := 0; ; i++ {
			n, err := status("http://" + a)
			if err == nil && n >= seq {
				break
			}
			if i == 300 {
				t.Fatalf("replica %s has applied %d of %d (%v)", a, n, seq, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func get(t testing.TB, url string) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// BenchmarkClusterSSELatency: PostgreSQL, three replicas and HAProxy; 1,000 event streams opened
// through the proxy (round robin: about 333 on each replica), then readings posted through the
// proxy one after the other, each changing Sukkur's warning. It reports the p50 and p99 time from
// sending a reading to its event arriving at a subscriber (the commit in PostgreSQL, NOTIFY, the
// other replicas reading the log, and the fan-out included).
func BenchmarkClusterSSELatency(b *testing.B) {
	c := startCluster(b, 3)
	const subscribers = 1000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	arrivals := listen(ctx, c.proxy+"/warnings/stream", subscribers)
	sent := map[string]time.Time{}
	var posts []time.Duration
	start := time.Now().UTC().Add(-24 * time.Hour).Truncate(time.Second)
	n := 0
	for b.Loop() {
		q := 580000
		if n%2 == 1 {
			q = 100000
		}
		t0 := time.Now()
		seq := postAcked(b, c.proxy, fmt.Sprintf(`{"station":"SKR","observed":%q,"discharge_cusecs":%d}`,
			start.Add(time.Duration(n)*time.Second).Format(time.RFC3339), q))
		sent[fmt.Sprint(seq)] = t0
		posts = append(posts, time.Since(t0))
		n++
	}
	slices.Sort(posts)
	b.ReportMetric(float64(posts[len(posts)/2].Microseconds())/1000, "post-p50-ms")
	b.ReportMetric(float64(posts[len(posts)-1].Microseconds())/1000, "post-max-ms")
	reportLatency(b, arrivals, sent, n*subscribers)
}
