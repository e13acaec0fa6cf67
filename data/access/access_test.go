package access

import (
	"encoding/json"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestRule(t *testing.T) {
	ndma := &Principal{ID: "a", Groups: []string{"ndma"}}
	telecom := &Principal{ID: "b", Groups: []string{"telecom"}, Rights: []Right{Admin}}
	r := Rule{Groups: []string{"ndma", "utilities"}}
	cases := []struct {
		who  *Principal
		want bool
	}{{nil, false}, {ndma, true}, {telecom, false}, {Operator(), true}, {&Principal{}, false}}
	for _, c := range cases {
		if got := r.Allows(c.who); got != c.want {
			t.Errorf("%s: Allows = %v", c.who.Name(), got)
		}
		if !(Rule{}).Allows(c.who) {
			t.Errorf("%s: a public layer is refused", c.who.Name())
		}
	}
	if telecom.Can(WriteWarnings) || !telecom.Can(Admin) || (*Principal)(nil).Can(Admin) {
		t.Error("Can")
	}
}

func TestRuleYAML(t *testing.T) {
	good := map[string][]string{
		"access: public": nil,
		"access: {groups: [telecom, ndma, telecom]}": {"ndma", "telecom"},
		"access:\n  groups:\n    - utilities_1\n":    {"utilities_1"},
	}
	for src, want := range good {
		var v struct{ Access Rule }
		if err := yaml.Unmarshal([]byte(src), &v); err != nil {
			t.Errorf("%q: %v", src, err)
			continue
		}
		if strings.Join(v.Access.Groups, ",") != strings.Join(want, ",") {
			t.Errorf("%q: groups %v, want %v", src, v.Access.Groups, want)
		}
	}
	bad := []string{"access: private", "access: {groups: []}", "access: {groups: [Telecom]}", "access: {grops: [a]}",
		"access: {groups: [a], extra: 1}", "access: [a]", "access: {groups: [\"a b\"]}", "access: 3"}
	for _, src := range bad {
		var v struct{ Access Rule }
		if err := yaml.Unmarshal([]byte(src), &v); err == nil {
			t.Errorf("%q accepted: %+v", src, v.Access)
		}
	}
}

// FuzzRuleYAML: the access section never panics, and what it accepts is public or a sorted list
// of valid, distinct group names that survives a JSON round trip.
func FuzzRuleYAML(f *testing.F) {
	for _, s := range []string{"public", "{groups: [telecom, ndma]}", "{groups: []}", "groups:\n  - a\n", "[a]", "~", "{groups: [a, a]}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var v struct{ Access Rule }
		if err := yaml.Unmarshal([]byte("access: "+src), &v); err != nil {
			return
		}
		for i, g := range v.Access.Groups {
			if CheckGroup(g) != nil || (i > 0 && v.Access.Groups[i-1] >= g) {
				t.Fatalf("accepted %q: groups %q", src, v.Access.Groups)
			}
		}
		b, _ := json.Marshal(v.Access)
		var back Rule
		if err := json.Unmarshal(b, &back); err != nil || back.String() != v.Access.String() {
			t.Fatalf("round trip %s: %v %v", b, back, err)
		}
	})
}
