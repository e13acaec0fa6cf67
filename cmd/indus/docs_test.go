package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"
)

// The documentation's examples, as docs/README.md describes them: every ```sh, ```bash, ```shell
// or ```console block of README.md and docs/*.md is run, in document order (README.md first, then
// docs/ by name), against one server on the default data, unless the line before it is
// <!-- no-test: reason -->.

// docExample is one shell block of a document.
type docExample struct {
	file   string // relative to the repository root
	line   int    // of the opening fence
	script string // the commands, prompts and output lines of console blocks removed
	skip   string // the reason given by a no-test marker; "" when the block runs
}

var (
	fenceRE  = regexp.MustCompile("^```\\s*([A-Za-z0-9_+-]*)")
	noTestRE = regexp.MustCompile(`^<!--\s*no-test:\s*(\S.*?)\s*-->\s*$`)
	shellRE  = regexp.MustCompile(`^(sh|bash|shell|console)$`)
	// a plain or unmarked fence that holds commands should say it is shell
	commandRE = regexp.MustCompile(`(?m)^(\$ )?(curl|\./bin/indus|indus|make|ogrinfo|ogr2ogr) `)
)

// docExamples reads the shell blocks of one Markdown file. A no-test marker without a reason, a
// marker before something that is not a shell block, an unclosed fence or a block of commands
// without a language are errors.
func docExamples(root, file string) ([]docExample, error) {
	f, err := os.Open(filepath.Join(root, file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseDocExamples(file, f)
}

// parseDocExamples is docExamples on a reader; file names the document in errors.
func parseDocExamples(file string, r io.Reader) ([]docExample, error) {
	var (
		out        []docExample
		open       *docExample
		lang, prev string
		body       []string
		n          int
	)
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		n++
		line := sc.Text()
		m := fenceRE.FindStringSubmatch(line)
		switch {
		case open == nil && m != nil:
			lang, body = m[1], nil
			open = &docExample{file: file, line: n}
			if r := noTestRE.FindStringSubmatch(prev); r != nil {
				open.skip = r[1]
			} else if strings.HasPrefix(prev, "<!-- no-test") {
				return nil, fmt.Errorf("%s:%d: a no-test marker needs a reason: <!-- no-test: why -->", file, n-1)
			}
		case open != nil && strings.HasPrefix(line, "```"):
			ex, err := closeExample(*open, lang, body)
			if err != nil {
				return nil, err
			}
			if ex != nil {
				out = append(out, *ex)
			}
			open = nil
		case open != nil:
			body = append(body, line)
		case strings.HasPrefix(prev, "<!-- no-test"):
			return nil, fmt.Errorf("%s:%d: a no-test marker must be the line just before a shell block", file, n-1)
		}
		prev = line
	}
	if open != nil {
		return nil, fmt.Errorf("%s:%d: fence never closed", file, open.line)
	}
	return out, sc.Err()
}

// closeExample makes the block read between two fences an example, nil when it is not shell.
func closeExample(ex docExample, lang string, body []string) (*docExample, error) {
	if !shellRE.MatchString(lang) {
		if ex.skip != "" {
			return nil, fmt.Errorf("%s:%d: a no-test marker before a %q block, not a shell one", ex.file, ex.line, lang)
		}
		if lang == "" && commandRE.MatchString(strings.Join(body, "\n")) {
			return nil, fmt.Errorf("%s:%d: a block of commands without a language: mark it ```sh", ex.file, ex.line)
		}
		return nil, nil
	}
	if lang == "console" {
		body = consoleCommands(body)
	}
	ex.script = strings.Join(body, "\n") + "\n"
	return &ex, nil
}

// consoleCommands keeps the commands of a console block: lines after a "$ " prompt, and the lines
// that continue them (after a trailing backslash); the rest is their output.
func consoleCommands(lines []string) []string {
	var out []string
	cont := false
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "$ "):
			l = strings.TrimPrefix(l, "$ ")
		case !cont:
			continue
		}
		out = append(out, l)
		cont = strings.HasSuffix(l, "\\")
	}
	return out
}

// allDocExamples reads README.md and docs/*.md, in that order.
func allDocExamples(t *testing.T, root string) []docExample {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs/*.md under %s (%v)", root, err)
	}
	sort.Strings(docs)
	files := []string{"README.md"}
	for _, d := range docs {
		files = append(files, filepath.Join("docs", filepath.Base(d)))
	}
	var all []docExample
	for _, f := range files {
		ex, err := docExamples(root, f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, ex...)
	}
	return all
}

// curlWrapper stands in for curl in the examples: it runs the real one with a time limit and
// fails unless the server answered 2xx (or 304 to a request with If-None-Match). A stream
// (curl -N) is cut after 2 s and passes when it was answered 2xx.
const curlWrapper = `#!/usr/bin/env bash
hdr=$(mktemp) limit=30 stream=0 inm=0
for a in "$@"; do
  case "$a" in -N|--no-buffer|-[!-]*N*) stream=1 limit=2;; esac
  case "$a" in [Ii]f-[Nn]one-[Mm]atch:*) inm=1;; esac
done
%q --max-time "$limit" -D "$hdr" "$@"; rc=$?
status=$(tr -d '\r' <"$hdr" | awk '/^HTTP\//{s=$2} END{print s}')
rm -f "$hdr"
if [ "$stream" = 1 ] && [ "$rc" = 28 ]; then rc=0; fi
if [ "$rc" != 0 ]; then echo "curl $*: exit $rc" >&2; exit "$rc"; fi
case "$status" in
  2??) ;;
  304) [ "$inm" = 1 ] || { echo "curl $*: HTTP 304 without If-None-Match" >&2; exit 22; } ;;
  *) echo "curl $*: HTTP ${status:-none}" >&2; exit 22 ;;
esac
`

// docWorkspace is the folder the examples run in: bin/indus is the binary under test, and a
// tools folder, first on the PATH, holds indus and the curl wrapper. It returns the folder and
// the PATH.
func docWorkspace(t *testing.T, bin string) (string, string) {
	t.Helper()
	dir, tools := t.TempDir(), t.TempDir()
	realCurl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatal("the documentation's examples need curl:", err)
	}
	for _, tool := range []string{"jq", "ogrinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the documentation's examples need %s: %v", tool, err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, link := range []string{filepath.Join(dir, "bin", "indus"), filepath.Join(tools, "indus")} {
		if err := os.Symlink(bin, link); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(tools, "curl"), []byte(fmt.Sprintf(curlWrapper, realCurl)), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, tools + string(os.PathListSeparator) + os.Getenv("PATH")
}

// runDocExample runs one example with bash, stopping at the first failing command, killing the
// whole process group past the deadline.
func runDocExample(ex docExample, dir string, env []string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euxo pipefail\n"+ex.script)
	cmd.Dir, cmd.Env = dir, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("still running after %v", timeout)
	}
	return string(out), err
}

// TestDocExamples runs every shell example of README.md and docs/*.md, in order, against one real
// server on the default data (started with a write key and an audit log in the examples' folder),
// localhost:8080 rewritten to its address, and fails on a command error or a non-2xx answer.
// Examples marked no-test are counted and reported.
func TestDocExamples(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	examples := allDocExamples(t, root)
	bin := binary(t)
	dir, path := docWorkspace(t, bin)
	const key = "doc-examples-key"
	base, _ := startProcess(t, bin, []string{"INDUS_API_KEY=" + key}, "--audit-log", filepath.Join(dir, "audit.log"))
	host := strings.TrimPrefix(base, "http://")
	env := append(os.Environ(), "PATH="+path, "INDUS_API_KEY="+key, "INDUS_DATA_DIR="+sharedDataDir(t))
	ran, commands, skipped := 0, 0, map[string]int{}
	for _, ex := range examples {
		name := fmt.Sprintf("%s:%d", ex.file, ex.line)
		if ex.skip != "" {
			skipped[ex.file]++
			continue
		}
		ran, commands = ran+1, commands+countCommands(ex.script)
		script := strings.ReplaceAll(ex.script, "localhost:8080", host)
		out, err := runDocExample(docExample{file: ex.file, line: ex.line, script: script}, dir, env, 90*time.Second)
		if err != nil {
			t.Errorf("%s: %v\n--- example\n%s--- output\n%s", name, err, ex.script, tail(out, 4000))
		}
	}
	n := 0
	for _, c := range skipped {
		n += c
	}
	t.Logf("ran %d documented examples (%d commands); %d marked no-test %v", ran, commands, n, skipped)
	if ran < 10 {
		t.Errorf("only %d examples ran: the documents lost their examples, or the parser its way", ran)
	}
}

// countCommands counts the commands of a script: lines that are neither blank, nor comments, nor
// the continuation of a line ending in a backslash or inside a single-quoted string.
func countCommands(script string) int {
	n, cont, quoted := 0, false, false
	for _, l := range strings.Split(script, "\n") {
		t := strings.TrimSpace(l)
		if !cont && !quoted && t != "" && !strings.HasPrefix(t, "#") {
			n++
		}
		quoted = quoted != (strings.Count(l, "'")%2 == 1)
		cont = strings.HasSuffix(t, "\\")
	}
	return n
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// TestDocExampleParsing checks the conventions the runner relies on, on small documents.
func TestDocExampleParsing(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return name
	}
	ok := write("ok.md", "# T\n\n```sh\ncurl -s localhost:8080/health\n```\n\n<!-- no-test: starts a server -->\n```bash\nmake run\n```\n\n"+
		"```console\n$ curl -s localhost:8080/a \\\n    -H 'X: y'\n{\"a\": 1}\n$ jq .\n```\n\n```yaml\nid: x\n```\n\n```\nevent: shutdown\n```\n")
	got, err := docExamples(dir, ok)
	if err != nil {
		t.Fatal(err)
	}
	want := []docExample{
		{file: ok, line: 3, script: "curl -s localhost:8080/health\n"},
		{file: ok, line: 8, script: "make run\n", skip: "starts a server"},
		{file: ok, line: 12, script: "curl -s localhost:8080/a \\\n    -H 'X: y'\njq .\n"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	for text, msg := range map[string]string{
		"<!-- no-test -->\n```sh\nmake run\n```\n":          "needs a reason",
		"<!-- no-test: x -->\n\n```sh\nmake run\n```\n":     "line just before",
		"<!-- no-test: x -->\n```yaml\na: b\n```\n":         "not a shell one",
		"```\ncurl -s localhost:8080/health\n```\n":         "without a language",
		"```sh\ncurl -s localhost:8080/health\n":            "never closed",
		"text\n```\n./bin/indus build --out x\n```\nmore\n": "without a language",
	} {
		_, err := docExamples(dir, write("bad.md", text))
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: got %v, want an error saying %q", text, err, msg)
		}
	}
}

// The runner fails an example on an HTTP error, a failing command anywhere in it (pipes
// included) and a command past the deadline; it passes 2xx answers, a 304 asked for with
// If-None-Match, and an event stream cut after two seconds.
func TestDocExampleRunner(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "event: enter\ndata: {}\n\n")
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
	}))
	defer srv.Close()
	dir, path := docWorkspace(t, "/bin/true")
	env := append(os.Environ(), "PATH="+path)
	for script, pass := range map[string]bool{
		"curl -s URL/200 | jq -R .\ncurl -s -o /dev/null URL/204\n":    true,
		"curl -s -o /dev/null -w '%{http_code}\\n' URL/404\n":          false,
		"curl -s URL/500 | cat\n":                                      false,
		"curl -s -X POST URL/400 -d '{}'\n":                            false,
		"curl -sI URL/302\n":                                           false,
		"curl -s -H 'If-None-Match: \"x\"' URL/304\n":                  true,
		"curl -s URL/304\n":                                            false,
		"curl -N URL/stream\n":                                         true,
		"false\ncurl -s URL/200\n":                                     false,
		"sleep 30\n":                                                   false,
		"indus version | grep -q . || true\n./bin/indus && echo ran\n": true,
	} {
		script = strings.ReplaceAll(script, "URL", srv.URL)
		start := time.Now()
		out, err := runDocExample(docExample{script: script}, dir, env, 5*time.Second)
		if (err == nil) != pass {
			t.Errorf("%q: err %v, want pass=%v; output:\n%s", script, err, pass, out)
		}
		if took := time.Since(start); took > 8*time.Second {
			t.Errorf("%q took %v", script, took)
		}
	}
	if n := countCommands("curl a \\\n  -H x\n# c\n\ncurl -d '{\n  \"a\": 1}'\necho it's\n"); n != 3 {
		t.Errorf("countCommands: %d, want 3", n)
	}
}

var (
	linkRE = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)\)`)
	codeRE = regexp.MustCompile("`[^`]*`")
)

// headingAnchors are the anchors GitHub gives the headings of a Markdown file: lower case, only
// letters, digits, spaces, '-' and '_' kept, spaces made '-', a repeated anchor suffixed -1, -2….
func headingAnchors(text string) map[string]bool {
	anchors, seen, fence := map[string]bool{}, map[string]int{}, false
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "```") {
			fence = !fence
		}
		h := strings.TrimLeft(l, "#")
		if fence || len(h) == len(l) || !strings.HasPrefix(h, " ") {
			continue
		}
		a := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				return unicode.ToLower(r)
			}
			return -1
		}, strings.TrimSpace(h))
		if n := seen[a]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

// TestDocLinks checks every relative link and image of README.md and docs/*.md: the file exists,
// and a #fragment names a heading of it.
func TestDocLinks(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	got := headingAnchors("# Indus\n## Data trusts: who may read what\n## OGC API\n```sh\n# a comment\n```\n## OGC API\n### `/api` and CQL2 – text\n#not\n")
	want := map[string]bool{"indus": true, "data-trusts-who-may-read-what": true, "ogc-api": true, "ogc-api-1": true, "api-and-cql2--text": true}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("anchors %v, want %v", got, want)
	}
	docs, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	links := 0
	for _, doc := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		fence := false
		for i, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "```") {
				fence = !fence
			}
			if fence {
				continue
			}
			for _, m := range linkRE.FindAllStringSubmatch(codeRE.ReplaceAllString(l, ""), -1) {
				if strings.Contains(m[1], "://") || strings.HasPrefix(m[1], "mailto:") {
					continue
				}
				links++
				if msg := checkDocLink(doc, m[1]); msg != "" {
					rel, _ := filepath.Rel(root, doc)
					t.Errorf("%s:%d: %s: %s", rel, i+1, m[1], msg)
				}
			}
		}
	}
	if links < 20 {
		t.Errorf("only %d relative links found", links)
	}
}

// checkDocLink says what is wrong with a relative link from doc, or "".
func checkDocLink(doc, link string) string {
	path, frag, _ := strings.Cut(link, "#")
	target := doc
	if path != "" {
		target = filepath.Join(filepath.Dir(doc), filepath.FromSlash(path))
	}
	b, err := os.ReadFile(target)
	if err != nil {
		if info, serr := os.Stat(target); serr == nil && info.IsDir() && frag == "" {
			return ""
		}
		return "no such file"
	}
	if frag != "" && !headingAnchors(string(b))[frag] {
		return "no heading with that anchor"
	}
	return ""
}

var (
	mermaidNodeRE = regexp.MustCompile(`^\s*(\w+)\["([^"]+)"\]\s*$`)
	mermaidEdgeRE = regexp.MustCompile(`^\s*(\w+)\s*-->\s*(\w+)\s*$`)
)

// TestArchitectureDiagram holds docs/architecture.md's diagram to the code: its arrows are the
// imports between the packages of the indus binary, less those a longer path implies.
func TestArchitectureDiagram(t *testing.T) {
	pkgs := packages(t)
	deps := func(p string) []string {
		var out []string
		for _, imp := range pkgs[p].Imports {
			if d, ok := strings.CutPrefix(imp, module); ok {
				out = append(out, d)
			}
		}
		return out
	}
	reach := func(from string) map[string]bool {
		seen, todo := map[string]bool{}, []string{from}
		for len(todo) > 0 {
			p := todo[len(todo)-1]
			todo = todo[:len(todo)-1]
			for _, d := range deps(p) {
				if !seen[d] {
					seen[d] = true
					todo = append(todo, d)
				}
			}
		}
		return seen
	}
	want, nodes := map[string]bool{}, reach("cmd/indus")
	nodes["cmd/indus"] = true
	for p := range nodes {
		for _, d := range deps(p) {
			implied := false
			for _, via := range deps(p) {
				implied = implied || (via != d && reach(via)[d])
			}
			if !implied {
				want[p+" --> "+d] = true
			}
		}
	}
	got := diagramEdges(t, filepath.Join("..", "..", "docs", "architecture.md"))
	for e := range want {
		if !got[e] {
			t.Errorf("the diagram lacks %s", e)
		}
	}
	for e := range got {
		if !want[e] {
			t.Errorf("the diagram has %s, which the code does not (or a longer path implies)", e)
		}
	}
}

// diagramEdges reads the arrows of the first mermaid block of a document, as "from --> to" with
// the nodes' labels.
func diagramEdges(t *testing.T, doc string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(b), "```mermaid\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok {
		t.Fatalf("%s has no mermaid block", doc)
	}
	labels, edges := map[string]string{}, map[string]bool{}
	var arrows [][2]string
	for _, l := range strings.Split(block, "\n") {
		if m := mermaidNodeRE.FindStringSubmatch(l); m != nil {
			labels[m[1]] = m[2]
		} else if m := mermaidEdgeRE.FindStringSubmatch(l); m != nil {
			arrows = append(arrows, [2]string{m[1], m[2]})
		}
	}
	for _, a := range arrows {
		from, to := labels[a[0]], labels[a[1]]
		if from == "" || to == "" {
			t.Fatalf("%s: arrow %s --> %s names an undeclared node", doc, a[0], a[1])
		}
		edges[from+" --> "+to] = true
	}
	return edges
}

// FuzzDocExamples: any Markdown parses without a panic into examples that start on lines of the
// text, in order, each marked or a script of the block's lines; anchors never panic either.
func FuzzDocExamples(f *testing.F) {
	f.Add("# T\n\n```sh\ncurl -s localhost:8080/health\n```\n<!-- no-test: x -->\n```console\n$ a \\\n b\nout\n```\n")
	f.Add("```\ncurl x\n```\n")
	f.Add("<!-- no-test -->\n```sh\n")
	f.Fuzz(func(t *testing.T, text string) {
		headingAnchors(text)
		got, err := parseDocExamples("f.md", strings.NewReader(text))
		if err != nil {
			return
		}
		lines, last := strings.Count(text, "\n")+1, 0
		for _, ex := range got {
			if ex.line <= last || ex.line > lines {
				t.Fatalf("example at line %d after %d, of %d lines", ex.line, last, lines)
			}
			if !strings.HasSuffix(ex.script, "\n") {
				t.Fatalf("script %q does not end a line", ex.script)
			}
			last = ex.line
		}
	})
}
