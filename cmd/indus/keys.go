package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cpec-digital/indus/data/access"
	"github.com/cpec-digital/indus/data/access/keyfile"
)

const keysUsage = `usage:
  indus keys add --file FILE --id ID [--groups a,b] [--rights r1,r2]   add a key; prints its token once
  indus keys revoke --file FILE --id ID                                 remove a key
  indus keys list --file FILE                                           ids, groups, rights, created
FILE defaults to $INDUS_KEYS`

// keysCmd is `indus keys add|revoke|list`: edits of the API keys file.
func keysCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("keys: " + keysUsage)
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stdout, keysUsage)
		return nil
	}
	sub := args[0]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("file", os.Getenv("INDUS_KEYS"), "keys file (INDUS_KEYS)")
	id := fs.String("id", "", "key id: 1 to 63 of a-z, 0-9, _ . - (add, revoke)")
	groups := fs.String("groups", "", "comma list of access groups the key belongs to (add)")
	rights := fs.String("rights", "", fmt.Sprintf("comma list of rights, of %v (add)", access.Rights()))
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("keys %s: unexpected argument %q", sub, fs.Arg(0))
	}
	if *file == "" {
		return fmt.Errorf("keys %s: no keys file (--file or INDUS_KEYS)", sub)
	}
	if (sub == "add" || sub == "revoke") && *id == "" {
		return fmt.Errorf("keys %s: --id is required", sub)
	}
	switch sub {
	case "add":
		return keysAdd(*file, *id, *groups, *rights, stdout, stderr)
	case "revoke":
		if err := keyfile.Revoke(*file, *id); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "key %s revoked from %s; a running server refuses it once it reloads the keys file\n", *id, *file)
		return nil
	case "list":
		return keysList(*file, stdout)
	}
	return fmt.Errorf("keys: unknown command %q\n%s", sub, keysUsage)
}

// keysAdd adds a key and prints its token on stdout, the only time it is shown.
func keysAdd(file, id, groups, rights string, stdout, stderr io.Writer) error {
	var rs []access.Right
	for _, r := range splitComma(rights) {
		rs = append(rs, access.Right(r))
	}
	token, err := keyfile.Add(file, id, splitComma(groups), rs)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "key %s added to %s. Its token (above) cannot be shown again: only its hash is stored.\n", id, file)
	return nil
}

// keysList prints the keys of file, without their hashes.
func keysList(file string, stdout io.Writer) error {
	k, err := keyfile.Load(file)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tGROUPS\tRIGHTS\tCREATED")
	for _, key := range k.Keys() {
		rights := make([]string, len(key.Rights))
		for i, r := range key.Rights {
			rights[i] = string(r)
		}
		created := "-"
		if !key.Created.IsZero() {
			created = key.Created.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", key.ID, orDash(strings.Join(key.Groups, ",")), orDash(strings.Join(rights, ",")), created)
	}
	return w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
