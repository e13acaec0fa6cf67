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

// load sends GET requests for urls, round robin, from `workers` keep-alive connections for d
// (target names the run in progress messages).
func load(target string, urls []string, workers int, d time.Duration, gzip bool) LoadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var res LoadResult
	var bytes int64
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var errs, n204, bad int
			var nbytes int64
			for ctx.Err() == nil {
				u := urls[int(next.Add(1)-1)%len(urls)]
				req, _ := http.NewRequest("GET", u, nil)
				if gzip {
					req.Header.Set("Accept-Encoding", "gzip")
				}
				t0 := time.Now()
				r, err := client.Do(req)
				if err != nil {
					errs++
					continue
				}
				n, _ := io.Copy(io.Discard, r.Body)
				r.Body.Close()
				if ctx.Err() != nil {
					break // a request cut by the deadline is not counted
				}
				mine = append(mine, time.Since(t0))
				nbytes += n
				switch {
				case r.StatusCode == 204:
					n204++
				case r.StatusCode >= 300:
					bad++
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.Errors += errs
			res.NoContent += n204
			res.StatusNon2 += bad
			bytes += nbytes
			mu.Unlock()
		}()
	}
	wg.Wait()
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
