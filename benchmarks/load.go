package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LoadResult is what one load run measured.
type LoadResult struct {
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	Seconds    float64 `json:"seconds"`
	PerSecond  float64 `json:"per_second"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MeanBytes  float64 `json:"mean_bytes"`
	BytesPerS  float64 `json:"bytes_per_second"`
	NoContent  int     `json:"no_content"`
	StatusNon2 int     `json:"status_not_2xx"`
}

// load sends GET requests for urls, round robin, from `workers` keep-alive connections for d.
func load(urls []string, workers int, d time.Duration, gzip bool) LoadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var next atomic.Int64
	all := make([]loadWorker, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			all[i].run(ctx, client, urls, &next, gzip)
		}()
	}
	wg.Wait()
	var res LoadResult
	var lat []time.Duration
	var bytes int64
	for _, w := range all {
		lat, bytes = append(lat, w.lat...), bytes+w.bytes
		res.Errors, res.NoContent, res.StatusNon2 = res.Errors+w.errs, res.NoContent+w.n204, res.StatusNon2+w.bad
	}
	res.Seconds = time.Since(start).Seconds()
	res.Requests = len(lat)
	if len(lat) > 0 {
		slices.Sort(lat)
		res.PerSecond = float64(len(lat)) / res.Seconds
		res.P50Ms = float64(lat[len(lat)/2].Microseconds()) / 1000
		res.P99Ms = float64(lat[len(lat)*99/100].Microseconds()) / 1000
		res.MeanBytes = float64(bytes) / float64(len(lat))
		res.BytesPerS = float64(bytes) / res.Seconds
	}
	return res
}

// loadWorker is one connection's requests and what they got.
type loadWorker struct {
	lat             []time.Duration
	errs, n204, bad int
	bytes           int64
}

func (w *loadWorker) run(ctx context.Context, client *http.Client, urls []string, next *atomic.Int64, gzip bool) {
	for ctx.Err() == nil {
		u := urls[int(next.Add(1)-1)%len(urls)]
		req, _ := http.NewRequest("GET", u, nil)
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		t0 := time.Now()
		r, err := client.Do(req)
		if err != nil {
			w.errs++
			continue
		}
		n, _ := io.Copy(io.Discard, r.Body)
		r.Body.Close()
		if ctx.Err() != nil {
			break // a request cut by the deadline is not counted
		}
		w.lat, w.bytes = append(w.lat, time.Since(t0)), w.bytes+n
		switch {
		case r.StatusCode == 204:
			w.n204++
		case r.StatusCode >= 300:
			w.bad++
		}
	}
}
