package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

// zigzagBody is the outside probe's corridor (issue 20, item 7): n vertices 5 m apart eastwards,
// every other one 110 m north, with a 50 km buffer.
func zigzagBody(n int) string {
	line := make(orb.LineString, n)
	for i := range line {
		line[i] = orb.Point{68 + 0.00005*float64(i), 27 + 0.001*float64(i%2)}
	}
	b, _ := json.Marshal(line)
	return `{"geometry":{"type":"LineString","coordinates":` + string(b) + `},"buffer_m":50000}`
}

// starBody is a seeded, valid star of n vertices around 68.5E 27N, 0.45–1° from its centre
// (issue 20, item 8).
func starBody(n int) string {
	r := rand.New(rand.NewPCG(8, 20))
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		t := 2 * math.Pi * (float64(i) + 0.8*r.Float64()) / float64(n)
		d := 0.45 + 0.55*r.Float64()
		ring = append(ring, orb.Point{68.5 + d*math.Cos(t), 27 + d*math.Sin(t)})
	}
	b, _ := json.Marshal(orb.Polygon{append(ring, ring[0])})
	return `{"geometry":{"type":"Polygon","coordinates":` + string(b) + `}}`
}

// procStatus reads a field of /proc/PID/status, in kB.
func procStatus(t *testing.T, pid int, field string) float64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == field+":" {
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// procCPU is the CPU time the process has used (user + system, from /proc/PID/stat).
func procCPU(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return time.Duration((ut + st) * float64(time.Second) / 100) // USER_HZ
}

// settle waits (up to a minute) until the process uses under 5 % of a core for 2 s running.
func settle(t *testing.T, pid int) {
	t.Helper()
	for end := time.Now().Add(time.Minute); time.Now().Before(end); {
		c0 := procCPU(t, pid)
		time.Sleep(2 * time.Second)
		if procCPU(t, pid)-c0 < 100*time.Millisecond {
			return
		}
	}
	t.Fatal("the server stays busy")
}

// The requests of issue 20 items 7 and 8 against the real server, with a 4 s risk deadline and
// clients that give up after 6 s: each is answered (or refused with 413) within the deadline,
// the server's peak RSS stays under 1 GB, and once the clients have left its CPU goes quiet
// within the deadline (before: no answer, gigabytes, a core busy for minutes).
func TestRunawayRequestsStop(t *testing.T) {
	bin := binary(t)
	base, cmd := startProcess(t, bin, nil, "--risk-timeout", "4s")
	pid := cmd.Process.Pid
	settle(t, pid) // the risk tables are prepared in the background
	cases := []struct{ name, path, body string }{
		{"zigzag 1,000 × 50 km", "/risk/area", zigzagBody(1000)},
		{"zigzag 9,999 × 50 km", "/risk/area", zigzagBody(9999)},
		{"star of 9,999 as GeoJSON", "/risk/area?format=geojson", starBody(9999)},
		{"star of 9,999", "/risk/area", starBody(9999)},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "POST", base+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Errorf("%s: no answer in %s: %v", c.name, time.Since(start).Round(time.Millisecond), err)
			continue
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		cancel()
		if res.StatusCode != 200 && res.StatusCode != 413 {
			t.Errorf("%s: %d %.200s", c.name, res.StatusCode, b)
		}
		t.Logf("%s: %d in %s (%.120s)", c.name, res.StatusCode, time.Since(start).Round(time.Millisecond), b)
	}
	// a client that leaves at once: the server stops by its deadline
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, "POST", base+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
		cancel()
	}
	time.Sleep(5 * time.Second) // the 4 s deadline of the last request, and a second
	c0 := procCPU(t, pid)
	time.Sleep(2 * time.Second)
	if busy := procCPU(t, pid) - c0; busy > 200*time.Millisecond {
		t.Errorf("the server used %s of CPU in the 2 s after the deadlines", busy)
	}
	if hwm := procStatus(t, pid, "VmHWM") / 1024; hwm > 1024 {
		t.Errorf("peak RSS %.0f MB, want under 1 GB", hwm)
	} else {
		t.Logf("peak RSS %.0f MB", hwm)
	}
}
