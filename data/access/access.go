// Package access is Indus's access model for data trusts: who a caller is (Principal), what they
// may do (Right) and which layers they may read (Rule, from the catalog). It has no I/O: keys files
// and the audit log are adapters beside it (keyfile, auditlog).
package access

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Right is something a key may do beyond reading.
type Right string

const (
	// WriteWarnings may post gauge readings.
	WriteWarnings Right = "warnings:write"
	// Admin is exempt from rate limits and may read the audit trail of key changes.
	Admin Right = "admin"
)

// Rights lists every right a key may hold.
func Rights() []Right { return []Right{WriteWarnings, Admin} }

// Principal is an authenticated caller. A nil *Principal is the anonymous caller: no groups, no rights.
type Principal struct {
	ID     string   `json:"id"`
	Groups []string `json:"groups,omitempty"`
	Rights []Right  `json:"rights,omitempty"`
	// All reads every layer whatever its groups: the server's own work (warming tables) and the
	// operator's tools on the command line (exports), never a key.
	All bool `json:"-"`
}

// Operator is the principal of the server's own work and of command-line tools: it reads every layer.
func Operator() *Principal { return &Principal{ID: "operator", All: true} }

// Can reports whether p holds right r.
func (p *Principal) Can(r Right) bool { return p != nil && slices.Contains(p.Rights, r) }

// Member reports whether p belongs to group g.
func (p *Principal) Member(g string) bool { return p != nil && slices.Contains(p.Groups, g) }

// Name is the principal's id, or "anonymous".
func (p *Principal) Name() string {
	if p == nil {
		return "anonymous"
	}
	return p.ID
}

// Rule is a layer's access rule: public (no groups) or readable by members of any of Groups.
// In the catalog: `access: public` (the default) or `access: {groups: [telecom, ndma]}`.
type Rule struct {
	Groups []string `yaml:"groups" json:"groups,omitempty"`
}

// Public reports whether anyone may read the layer.
func (r Rule) Public() bool { return len(r.Groups) == 0 }

// Allows reports whether p may read a layer under this rule.
func (r Rule) Allows(p *Principal) bool {
	if r.Public() || (p != nil && p.All) {
		return true
	}
	return slices.ContainsFunc(r.Groups, p.Member)
}

// String is "public" or "groups: a, b".
func (r Rule) String() string {
	if r.Public() {
		return "public"
	}
	return "groups: " + strings.Join(r.Groups, ", ")
}

var groupPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// CheckGroup returns an error unless g is a valid group name (lower case letter, then up to 62
// lower case letters, digits, '_' or '-').
func CheckGroup(g string) error {
	if !groupPattern.MatchString(g) {
		return fmt.Errorf("group %q is not a valid name (lower case letter, then letters, digits, _ or -)", g)
	}
	return nil
}

// UnmarshalYAML accepts `public` or a mapping with a non-empty `groups` list of valid names.
func (r *Rule) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value != "public" {
			return fmt.Errorf("line %d: access must be \"public\" or {groups: [...]}, not %q", n.Line, n.Value)
		}
		*r = Rule{}
		return nil
	}
	var raw struct {
		Groups []string `yaml:"groups"`
	}
	if n.Kind == yaml.MappingNode {
		for i := 0; i < len(n.Content); i += 2 {
			if k := n.Content[i].Value; k != "groups" {
				return fmt.Errorf("line %d: access has no key %q (only groups)", n.Content[i].Line, k)
			}
		}
	}
	if err := n.Decode(&raw); err != nil {
		return fmt.Errorf("line %d: access must be \"public\" or {groups: [...]}: %v", n.Line, err)
	}
	if len(raw.Groups) == 0 {
		return fmt.Errorf("line %d: access groups must not be empty (say `access: public` for public data)", n.Line)
	}
	for _, g := range raw.Groups {
		if err := CheckGroup(g); err != nil {
			return fmt.Errorf("line %d: %v", n.Line, err)
		}
	}
	*r = Rule{Groups: slices.Compact(slices.Sorted(slices.Values(raw.Groups)))}
	return nil
}
