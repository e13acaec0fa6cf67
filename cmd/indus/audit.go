package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cpec-digital/indus/data/access/auditlog"
)

const auditUsage = `usage:
  indus audit verify FILE [--head HASH]   check the hash chain (and that a kept head is still in it)
  indus audit tail FILE [-n N] [-f]       print the last N records (10), then follow appends with -f`

// auditCmd is `indus audit verify|tail`: checks and reads the audit log.
func auditCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("audit: " + auditUsage)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, auditUsage)
		return nil
	}
	switch args[0] {
	case "verify":
		return auditVerify(args[1:], stdout, stderr)
	case "tail":
		ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer cancel()
		return auditTail(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("audit: unknown command %q\n%s", args[0], auditUsage)
}

// auditVerify prints "ok: N records, head SEQ HASH", or fails naming the first bad record.
func auditVerify(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	head := fs.String("head", "", "a head hash kept earlier (from a previous verify): fail unless a record still hashes to it")
	f, err := openFileArg(fs, args)
	if err != nil {
		return err
	}
	defer f.Close()
	var rep auditlog.Report
	if *head != "" {
		rep, err = auditlog.VerifyHead(f, *head)
	} else {
		rep, err = auditlog.Verify(f)
	}
	if err != nil {
		return fmt.Errorf("audit verify %s: %w (%d intact records before it)", f.Name(), err, rep.Records)
	}
	fmt.Fprintf(stdout, "ok: %d records, head %d %s\n", rep.Records, rep.Head.Seq, rep.Head.Hash)
	return nil
}

// auditTail prints the last -n records of the log, then with -f the records appended, until ctx ends.
func auditTail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit tail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 10, "number of records to print")
	follow := fs.Bool("f", false, "keep printing records as they are appended")
	f, err := openFileArg(fs, args)
	if err != nil {
		return err
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	lines, err := auditlog.Tail(f, size, *n)
	if err != nil {
		return err
	}
	for _, l := range lines {
		if _, err := fmt.Fprintf(stdout, "%s\n", l); err != nil {
			return err
		}
	}
	if !*follow {
		return nil
	}
	return auditlog.Follow(ctx, f, stdout, 250*time.Millisecond) // f stands at size: nothing printed twice
}

// openFileArg parses flags placed before or after the one FILE argument, and opens it.
func openFileArg(fs *flag.FlagSet, args []string) (*os.File, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("%s: want one FILE argument, got %d", fs.Name(), len(files))
	}
	return os.Open(files[0])
}
