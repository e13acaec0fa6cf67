package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"

	"github.com/cpec-digital/indus/data/gdal"
	"github.com/cpec-digital/indus/data/testenv"
)

// binary builds cmd/indus once per test run; every caller gets the same file. Under -short
// (make unit) it skips the test: whatever starts the real binary is a process-level test.
func binary(t testing.TB) string {
	t.Helper()
	testenv.External(t, "the indus binary")
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "indus-test-bin-")
		if err != nil {
			binErr = err
			return
		}
		binDir = dir
		bin := filepath.Join(dir, "indus")
		out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

var servingRE = regexp.MustCompile(`msg=serving addr=(\S+)`)

// startServer runs `indus serve --addr 127.0.0.1:0` and returns its base URL once it listens.
func startServer(t *testing.T, bin string, args ...string) string {
	t.Helper()
	base, _ := startProcess(t, bin, nil, args...)
	return base
}

// startProcess is startServer with extra environment, returning the process too. The server
// reads the shared data dir and has a state dir of its own, so tests may start servers in
// parallel; the first server on a catalog of the shared data dir starts alone, since it builds
// the snapshot that the later ones map.
func startProcess(t testing.TB, bin string, env []string, args ...string) (base string, cmd *exec.Cmd) {
	t.Helper()
	shared := sharedDataDir(t)
	if cat := lastFlag(args, "--catalog"); strings.HasPrefix(cat, shared+string(filepath.Separator)) {
		v, _ := firstStarts.LoadOrStore(cat, &firstStart{})
		f := v.(*firstStart)
		f.mu.Lock()
		if f.ready {
			f.mu.Unlock()
		} else {
			defer func() { f.ready = base != ""; f.mu.Unlock() }() // also when t.Fatal ends the test
		}
	}
	env = append([]string{"INDUS_DATA_DIR=" + shared, "INDUS_STATE_DIR=" + filepath.Join(t.TempDir(), "state")}, env...)
	base, cmd, err := serveProcess(bin, env, args...)
	if cmd != nil {
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	}
	if err != nil {
		t.Fatal(err)
	}
	return base, cmd
}

// firstStarts holds, per catalog of the shared data dir, whether a server has built its snapshot.
var firstStarts sync.Map // catalog path → *firstStart

type firstStart struct {
	mu    sync.Mutex
	ready bool
}

// lastFlag is the value of the last "name value" pair in args (the one the flag package keeps).
func lastFlag(args []string, name string) string {
	v := ""
	for i := 0; i+1 < len(args); i++ {
		if args[i] == name {
			v = args[i+1]
		}
	}
	return v
}

// serveProcess starts `indus serve --addr 127.0.0.1:0 args` with env added to this process's and
// returns its base URL once it serves. The process is returned whenever it started: the caller
// stops it.
func serveProcess(bin string, env []string, args ...string) (string, *exec.Cmd, error) {
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	addr := make(chan string, 1)
	var log lockedBuffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.Write([]byte(sc.Text() + "\n"))
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			return "", cmd, fmt.Errorf("server exited:\n%s", log.String())
		}
		return "http://" + a, cmd, nil
	case <-time.After(2 * time.Minute):
		return "", cmd, fmt.Errorf("server did not start:\n%s", log.String())
	}
}

var (
	sharedOnce sync.Once
	sharedDir  string
	sharedErr  error
)

// sharedDataDir is one materialized default dataset, with its snapshot built, for every server
// and in-process load of the tests. It is prepared once, before any of them reads it, so that
// none writes it while another reads it: by the real binary (built without the race detector,
// so quicker), or under -short, where no binary is built, by this process.
func sharedDataDir(t testing.TB) string {
	t.Helper()
	sharedOnce.Do(func() {
		if sharedDir, sharedErr = os.MkdirTemp("", "indus-test-data-"); sharedErr != nil {
			return
		}
		sharedErr = errors.New("the preparation stopped") // until it ends
		if testing.Short() {
			reader := gdal.NewReader(2)
			defer reader.Close()
			cfg := defaultConfig()
			cfg.DataDir = sharedDir
			_, sharedErr = snapshotFor(context.Background(), cfg, reader, slog.New(slog.DiscardHandler))
			return
		}
		_, cmd, err := serveProcess(binary(t), []string{"INDUS_DATA_DIR=" + sharedDir, "INDUS_STATE_DIR=" + filepath.Join(sharedDir, "state")})
		if cmd != nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		sharedErr = err
	})
	if sharedErr != nil {
		t.Fatalf("preparing the shared data dir: %v", sharedErr)
	}
	return sharedDir
}

// writeShared writes a file of the shared data dir (a catalog variant) unless it already holds
// content, through a rename: a server reading it meanwhile sees the whole file.
func writeShared(t testing.TB, path, content string) {
	t.Helper()
	if old, err := os.ReadFile(path); err == nil && string(old) == content {
		return
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		t.Fatal(err)
	}
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// TestServeDefaultDataset runs the real binary on the embedded dataset, read through GDAL.
func TestServeDefaultDataset(t *testing.T) {
	t.Parallel()
	base := startServer(t, binary(t))

	var cat struct {
		Themes []struct {
			ID     string   `json:"id"`
			Layers []string `json:"layers"`
		} `json:"themes"`
		MetadataElements []string                     `json:"metadata_elements"`
		Layers           []map[string]json.RawMessage `json:"layers"`
	}
	getJSON(t, base+"/catalog", &cat)
	if len(cat.Themes) != 7 {
		t.Fatalf("%d themes, want 7", len(cat.Themes))
	}
	for _, th := range cat.Themes {
		if len(th.Layers) == 0 {
			t.Errorf("theme %s has no layer", th.ID)
		}
	}
	if len(cat.MetadataElements) != 18 || len(cat.Layers) < 13 {
		t.Fatalf("%d elements, %d layers", len(cat.MetadataElements), len(cat.Layers))
	}
	for _, l := range cat.Layers {
		var md map[string]any
		json.Unmarshal(l["metadata"], &md)
		for _, el := range cat.MetadataElements {
			if v, ok := md[el]; !ok || v == "" || v == nil {
				t.Errorf("layer %s: metadata element %s is empty", l["id"], el)
			}
		}
	}

	var country geojson.FeatureCollection
	getJSON(t, base+"/collections/country/items", &country)
	outline, ok := country.Features[0].Geometry.(orb.MultiPolygon)
	if !ok {
		t.Fatalf("country geometry is %T", country.Features[0].Geometry)
	}

	total, fibre := 0, 0
	for offset := 0; ; offset += 10000 {
		var page struct {
			NumberMatched int                      `json:"numberMatched"`
			Features      []*geojson.Feature       `json:"features"`
			Links         []map[string]interface{} `json:"links"`
		}
		getJSON(t, fmt.Sprintf("%s/collections/villages/items?limit=10000&offset=%d", base, offset), &page)
		if page.NumberMatched != 30000 {
			t.Fatalf("numberMatched = %d, want 30000", page.NumberMatched)
		}
		for _, f := range page.Features {
			total++
			if f.Properties.MustBool("fibre") {
				fibre++
			}
			if p := f.Geometry.(orb.Point); !planar.MultiPolygonContains(outline, p) {
				t.Fatalf("village %v at %v lies outside Pakistan", f.ID, p)
			}
		}
		if len(page.Features) < 10000 {
			break
		}
	}
	if total != 30000 || fibre != 22000 {
		t.Fatalf("%d villages, %d fibre; want 30000 and 22000", total, fibre)
	}
	var fib struct {
		NumberMatched int `json:"numberMatched"`
	}
	getJSON(t, base+"/collections/villages/items?fibre=true&limit=1", &fib)
	if fib.NumberMatched != 22000 {
		t.Errorf("?fibre=true matched %d, want 22000", fib.NumberMatched)
	}
}

// A catalog with a layer missing a metadata element must stop the server with a clear message.
func TestServeRefusesBadCatalog(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	out, err := exec.Command(bin, "catalog").Output()
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(out), "      lineage: npm world-atlas", "      lineage_: npm world-atlas", 1)
	bad = strings.Replace(bad, "lineage_:", "#", 1)
	path := filepath.Join(dir, "catalog.yaml")
	os.WriteFile(path, []byte(bad), 0o644)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--catalog", path)
	msg, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("server started with a bad catalog")
	}
	if !strings.Contains(string(msg), `layer "country": metadata element lineage is missing`) {
		t.Fatalf("message %q does not name the layer and element", msg)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDir != "" {
		os.RemoveAll(sharedDir)
	}
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// generate writes the default dataset's files and catalog under dir with indus gen and returns
// the catalog's path.
func generate(t *testing.T, bin, dir string) string {
	t.Helper()
	out, err := exec.Command(bin, "gen", "--out", filepath.Join(dir, "data")).Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// layerTitle is the title of layer id in the served catalog, or "".
func layerTitle(t *testing.T, base, id string) string {
	t.Helper()
	var c struct {
		Layers []struct {
			ID       string
			Metadata struct{ Title string }
		}
	}
	getJSON(t, base+"/catalog", &c)
	for _, l := range c.Layers {
		if l.ID == id {
			return l.Metadata.Title
		}
	}
	return ""
}

// SIGHUP reloads the catalog: the new metadata is served, the live warnings layer survives, and a
// broken catalog keeps the old data.
func TestReloadOnSIGHUP(t *testing.T) {
	t.Parallel()
	bin := binary(t)
	dir := t.TempDir()
	catalog := generate(t, bin, dir)
	base, cmd := startProcess(t, bin, nil, "--catalog", catalog)
	title := func() string { return layerTitle(t, base, "rivers") }
	hasWarnings := func() bool {
		var c struct{ Layers []struct{ ID string } }
		getJSON(t, base+"/catalog", &c)
		for _, l := range c.Layers {
			if l.ID == "warnings" {
				return true
			}
		}
		return false
	}
	if title() != "Rivers and canals (GSHHG/WDBII)" || !hasWarnings() {
		t.Fatalf("before reload: %q, warnings layer %v", title(), hasWarnings())
	}
	raw, _ := os.ReadFile(catalog)
	os.WriteFile(catalog, []byte(strings.Replace(string(raw), "title: Rivers and canals (GSHHG/WDBII)", "title: Rivers (reloaded)", 1)), 0o644)
	cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(3 * time.Minute)
	for title() != "Rivers (reloaded)" {
		if time.Now().After(deadline) {
			t.Fatal("the reload was not served")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !hasWarnings() {
		t.Error("the warnings layer was lost in the reload")
	}
	os.WriteFile(catalog, []byte("layers: [}"), 0o644) // broken: the old data stays
	cmd.Process.Signal(syscall.SIGHUP)
	until(t, func() bool { return reloadsFailed(t, base) == 1 })
	if title() != "Rivers (reloaded)" {
		t.Error("a broken catalog replaced the served data")
	}
}

// reloadsFailed is how many loads of the data the server at base counted as failed.
func reloadsFailed(t *testing.T, base string) float64 {
	return max(value(scrape(t, base), "indus_data_loads_total", "result", "failed"), 0)
}
