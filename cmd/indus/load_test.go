package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestMixedLoad (issue 20's goal; INDUS_LOAD=1, out of make test: about a minute): 256
// connections of mixed requests (tiles, bbox and polygon risk queries, points, CSV exports) for
// 30 s against the real server, with two reloads (SIGHUP) and the item 7 and 8 requests (the
// zigzag corridors, the 9,999-vertex star as JSON and GeoJSON) sent beside them in a loop. It
// reports the requests, the errors (transport errors and 5xx other than a 504 at the deadline)
// and the server's peak RSS, and fails on any error.
func TestMixedLoad(t *testing.T) {
	if os.Getenv("INDUS_LOAD") == "" {
		t.Skip("INDUS_LOAD=1 to run")
	}
	bin := binary(t)
	base, cmd := startProcess(t, bin, nil)
	pid := cmd.Process.Pid
	settle(t, pid)
	type req struct{ method, path, body string }
	mixed := []req{
		{"GET", "/tiles/villages,flood_rp100/8/180/106.mvt", ""},
		{"GET", "/tiles/villages/10/721/426.mvt", ""},
		{"POST", "/risk/area", `{"bbox":[68.5,27.5,69,28]}`},
		{"POST", "/risk/area?format=csv", `{"bbox":[67.6,24.6,68.9,26.0],"hazards":["flood_rp100"]}`},
		{"GET", "/risk/point?lon=68.86&lat=27.70", ""},
		{"POST", "/risk/area", `{"corridor":{"geometry":{"type":"LineString","coordinates":[[68.86,27.70],[68.40,26.24],[68.37,25.39]]},"buffer_m":5000}}`},
	}
	heavy := []req{{"POST", "/risk/area", zigzagBody(1000)}, {"POST", "/risk/area", zigzagBody(9999)},
		{"POST", "/risk/area?format=geojson", starBody(9999)}, {"POST", "/risk/area", starBody(9999)}}
	tr := &http.Transport{MaxIdleConnsPerHost: 300, MaxConnsPerHost: 300}
	client := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	var n, errs, refused, late atomic.Int64
	var mu sync.Mutex
	var firstErrs []string
	do := func(r req) {
		hr, _ := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
		if r.body != "" {
			hr.Header.Set("Content-Type", "application/json")
		}
		res, err := client.Do(hr)
		n.Add(1)
		status := 0
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			status = res.StatusCode
		}
		switch {
		case status == 413:
			refused.Add(1)
		case status == 504:
			late.Add(1)
		case err != nil || status >= 500 || status == 0:
			errs.Add(1)
			mu.Lock()
			if len(firstErrs) < 5 {
				firstErrs = append(firstErrs, fmt.Sprintf("%s %s: %d %v", r.method, r.path, status, err))
			}
			mu.Unlock()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for w := range 256 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; ctx.Err() == nil; k++ {
				do(mixed[k%len(mixed)])
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for k := 0; ctx.Err() == nil; k++ {
			do(heavy[k%len(heavy)])
		}
	}()
	time.Sleep(10 * time.Second)
	cmd.Process.Signal(syscall.SIGHUP)
	time.Sleep(10 * time.Second)
	cmd.Process.Signal(syscall.SIGHUP)
	wg.Wait()
	hwm := procStatus(t, pid, "VmHWM") / 1024
	t.Logf("%d requests in 30 s from 256 connections and the item 7–8 loop, 2 reloads: %d errors, %d refused (413), %d at the deadline (504); peak RSS %.0f MB",
		n.Load(), errs.Load(), refused.Load(), late.Load(), hwm)
	if errs.Load() > 0 {
		t.Errorf("%d errors, first: %v", errs.Load(), firstErrs)
	}
	if hwm > 1024 {
		t.Errorf("peak RSS %.0f MB", hwm)
	}
}
