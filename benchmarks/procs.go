package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// process is a started server.
type process struct {
	cmd      *exec.Cmd
	base     string
	loadS    float64 // process start to serving
	features int
	prepared chan struct{} // closed at the log line "risk queries prepared"
	prepS    float64       // process start to that line
}

func (p *process) stop() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		p.cmd = nil
	}
}

// status reads a field of /proc/PID/status in MB (VmRSS: resident now; VmHWM: its peak).
func (p *process) status(field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field+":") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return math.Round(float64(kb)/1024*10) / 10
		}
	}
	return 0
}

func (p *process) rssMB() float64 { return p.status("VmRSS") }

// waitPrepared waits for the background preparation of risk queries (admin-unit tables).
func (p *process) waitPrepared(d time.Duration) error {
	select {
	case <-p.prepared:
		return nil
	case <-time.After(d):
		return fmt.Errorf("no %q within %s", "risk queries prepared", d)
	}
}

var (
	servingRE  = regexp.MustCompile(`msg=serving addr=(\S+)`)
	featuresRE = regexp.MustCompile(`msg="dataset loaded".* features=(\d+)`)
	preparedRE = regexp.MustCompile(`msg="risk queries prepared"`)
)

// startIndus starts `indus serve` on a free port with the given data flags and returns once it
// logs "serving"; the log keeps being read for "risk queries prepared".
func startIndus(bin, state string, extra ...string) (*process, error) {
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--state-dir", state}, extra...)
	cmd := exec.Command(bin, args...)
	stderr, _ := cmd.StderrPipe()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, prepared: make(chan struct{})}
	sc := bufio.NewScanner(stderr)
	var log bytes.Buffer
	for sc.Scan() {
		line := sc.Text()
		log.WriteString(line + "\n")
		if m := featuresRE.FindStringSubmatch(line); m != nil {
			p.features, _ = strconv.Atoi(m[1])
		}
		if m := servingRE.FindStringSubmatch(line); m != nil {
			p.loadS = math.Round(time.Since(t0).Seconds()*1000) / 1000
			p.base = "http://" + m[1]
			go p.follow(sc, stderr, t0)
			return p, nil
		}
	}
	p.stop()
	return nil, fmt.Errorf("indus did not start:\n%s", log.String())
}

func (p *process) follow(sc *bufio.Scanner, r io.Reader, t0 time.Time) {
	for sc.Scan() {
		if preparedRE.MatchString(sc.Text()) {
			p.prepS = math.Round(time.Since(t0).Seconds()*1000) / 1000
			close(p.prepared)
			break
		}
	}
	io.Copy(io.Discard, r)
}

// catalogFlags serves a generated folder through its catalog.
func catalogFlags(dir string) []string {
	return []string{"--catalog", filepath.Join(dir, "catalog.yaml")}
}

// startChild re-executes this program as a helper server that writes its address to addrFile.
func startChild(self, addrFile string, args ...string) (*process, error) {
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd}
	for range 600 {
		if b, err := os.ReadFile(addrFile); err == nil && len(b) > 0 {
			p.base = "http://" + string(b)
			return p, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not start", args[0])
}
