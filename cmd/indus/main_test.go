package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
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
)

// binary builds cmd/indus once per test run; every caller gets the same file.
func binary(t testing.TB) string {
	t.Helper()
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

// startProcess is startServer with extra environment, returning the process too.
func startProcess(t testing.TB, bin string, env []string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "INDUS_DATA_DIR="+sharedDataDir(t), "INDUS_STATE_DIR="+filepath.Join(t.TempDir(), "state"))
	cmd.Env = append(cmd.Env, env...)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := make(chan string, 1)
	var log bytes.Buffer
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if m := servingRE.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			t.Fatalf("server exited:\n%s", log.String())
		}
		return "http://" + a, cmd
	case <-time.After(2 * time.Minute):
		t.Fatalf("server did not start:\n%s", log.String())
	}
	return "", nil
}

var (
	sharedOnce sync.Once
	sharedDir  string
)

// sharedDataDir is one materialized default dataset for every server the tests start.
func sharedDataDir(t testing.TB) string {
	sharedOnce.Do(func() {
		d, err := os.MkdirTemp("", "indus-test-data-")
		if err != nil {
			t.Fatal(err)
		}
		sharedDir = d
	})
	return sharedDir
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
	deadline := time.Now().Add(30 * time.Second)
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
	time.Sleep(2 * time.Second)
	if title() != "Rivers (reloaded)" {
		t.Error("a broken catalog replaced the served data")
	}
}
