package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// goBench runs every Go micro-benchmark of the hot paths five times (benchstat wants several
// samples) and saves the output, so that two runs compare with
// `go run golang.org/x/perf/cmd/benchstat@latest old.txt new.txt`.
func goBench(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(dir, "gobench-"+time.Now().UTC().Format("20060102-150405")+".txt")
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem", "-count", "5",
		"./tiles/...", "./indexes/...", "./analytics/...", "./data/...", "./cmd/indus/...")
	cmd.Stdout, cmd.Stderr = f, os.Stderr
	if err := cmd.Run(); err != nil {
		return err
	}
	fmt.Println("wrote", out)
	return nil
}
