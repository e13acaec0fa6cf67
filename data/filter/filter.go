// Package filter compiles the attribute and spatial filters of tiles (?filter=) and collection
// items (?filter=, ?field=value): Indus's own filter language (below) and OGC CQL2 text (see
// cql2.go) compile to one Filter, bound to each layer it is applied to.
package filter

import (
	"cmp"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

// Filter is a compiled attribute filter. The language, for the `filter=` query parameter:
//
//	expr  := term { "or" term }
//	term  := factor { "and" factor }
//	factor:= "not" factor | "(" expr ")" | field op value | field "in" "(" value { "," value } ")"
//	op    := "=" | "!=" | "<" | "<=" | ">" | ">="
//	value := number | true | false | 'quoted text' | "quoted text" | bare-word
//
// Examples: `depth_class in (medium,high)`, `population >= 5000 and fibre = false`,
// `not (kind = 'hospital')`. Keywords are lower case. A comparison with a missing (null)
// attribute is false. Fields must exist, with a value of their declared type, in every layer the
// filter is applied to.
type Filter struct {
	src  string // as written (Indus), or the canonical form (CQL2)
	lang string // LangIndus or LangCQL2
	root node
	refs map[string]bool // the fields named (Indus)
}

type node interface {
	eval(l *data.Layer, i int) bool
}

// MaxFilterLength bounds the size of a filter expression.
const MaxFilterLength = 1024

// Parse parses a filter expression. Field types are checked later by Bind.
func Parse(src string) (*Filter, error) {
	if len(src) > MaxFilterLength {
		return nil, data.Invalid("filter too long", fmt.Sprintf("at most %d characters", MaxFilterLength))
	}
	toks, err := lex(src)
	if err != nil {
		return nil, data.Invalid("bad filter", err.Error())
	}
	p := &parser{toks: toks, refs: map[string]bool{}}
	root, err := p.expr(0)
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q at position %d", p.toks[p.pos].text, p.toks[p.pos].at+1)
	}
	if err != nil {
		return nil, data.Invalid("bad filter", err.Error())
	}
	return &Filter{src: src, lang: LangIndus, root: root, refs: p.refs}, nil
}

// ParseIn parses a filter written in lang (Indus's language when empty) with the coordinates of
// its geometry literals in crs (CRS84 when empty; see CheckSyntax).
func ParseIn(lang, crs, src string) (*Filter, error) {
	if err := CheckSyntax(lang, crs); err != nil {
		return nil, err
	}
	if lang == LangCQL2 {
		latFirst, _ := latitudeFirst(crs)
		return parseCQL2(src, latFirst)
	}
	return Parse(src)
}

// CheckSyntax checks a filter-lang and a filter-crs value: the language is LangIndus,
// LangCQL2 or empty; the CRS is empty, CRS84 (lon/lat) or EPSG:4326 (lat/lon), as a URI or a
// short name.
func CheckSyntax(lang, crs string) error {
	switch lang {
	case "", LangIndus, LangCQL2:
	default:
		return data.Invalid("bad filter-lang", fmt.Sprintf("%q is not a filter language here: use %s or %s", lang, LangCQL2, LangIndus))
	}
	if _, ok := latitudeFirst(crs); !ok {
		return data.Invalid("bad filter-crs", fmt.Sprintf("%q is not supported: use http://www.opengis.net/def/crs/OGC/1.3/CRS84 (lon/lat) or http://www.opengis.net/def/crs/EPSG/0/4326 (lat/lon)", crs))
	}
	return nil
}

// latitudeFirst reports whether a filter-crs lists latitude first; ok is false for a CRS other
// than CRS84 and EPSG:4326.
func latitudeFirst(crs string) (latFirst, ok bool) {
	switch strings.TrimPrefix(strings.TrimPrefix(crs, "http://"), "https://") {
	case "", "www.opengis.net/def/crs/OGC/1.3/CRS84", "www.opengis.net/def/crs/OGC/0/CRS84", "[OGC:CRS84]", "OGC:CRS84",
		"CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84":
		return false, true
	case "www.opengis.net/def/crs/EPSG/0/4326", "[EPSG:4326]", "EPSG:4326", "urn:ogc:def:crs:EPSG::4326":
		return true, true
	}
	return false, false
}

// String returns a canonical form of the filter in its language.
func (f *Filter) String() string { return fmt.Sprint(f.root) }

// Key names what the filter selects, for cache keys: its canonical form, tagged with its
// language when that is not Indus's (so that the Indus keys are as they always were).
func (f *Filter) Key() string {
	if f.lang == LangCQL2 {
		return "cql2:" + f.String()
	}
	return f.String()
}

// Bound returns a bbox that every feature the filter keeps meets, when the filter has one (a
// spatial condition that must hold); ok is false otherwise.
func (f *Filter) Bound() (b orb.Bound, ok bool) {
	if r, isCQL := f.root.(cqlRoot); isCQL {
		return boundOf(r.n)
	}
	return orb.Bound{}, false
}

// Match reports whether feature i of l passes the filter (which must be bound to l's spec).
func (f *Filter) Match(l *data.Layer, i int) bool { return f.root.eval(l, i) }

// Bind returns a copy of the filter checked against a layer: every field it names must be declared
// by the layer, and the literals are converted to (Indus) or checked against (CQL2) the field types.
func (f *Filter) Bind(spec *data.LayerSpec) (*Filter, error) {
	for name := range f.refs {
		if _, ok := fieldOf(spec, name); !ok {
			return nil, data.Invalid("bad filter", fmt.Sprintf("layer %q has no field %q", spec.ID, name))
		}
	}
	g, err := ParseIn(f.lang, "", f.src)
	if err != nil {
		return nil, err
	}
	return g, typeCheck(g.root, spec)
}

// Equal returns a filter bound to spec that keeps the features whose attributes equal the given
// values (written as in a query string: 5000, true, PK-SD), all of them; names are sorted.
func Equal(spec *data.LayerSpec, values map[string]string) (*Filter, error) {
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	f := &Filter{lang: LangIndus, root: trueNode{}, refs: map[string]bool{}}
	for _, k := range names {
		if _, ok := fieldOf(spec, k); !ok {
			return nil, data.Invalid("bad filter", fmt.Sprintf("layer %q has no field %q", spec.ID, k))
		}
		f.refs[k] = true
		n := &cmpNode{field: k, op: "=", val: literal{text: values[k], quoted: true}}
		if f.root == (trueNode{}) {
			f.root = n
		} else {
			f.root = andNode{f.root, n}
		}
	}
	f.src = fmt.Sprint(f.root)
	return f, typeCheck(f.root, spec)
}

type token struct {
	kind byte // 'w' word, 's' string, 'o' operator, '(' ')' ','
	text string
	at   int
}

func lex(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		c := rune(s[i])
		switch {
		case unicode.IsSpace(c):
			i++
		case c == '(' || c == ')' || c == ',':
			toks = append(toks, token{byte(c), string(c), i})
			i++
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], byte(c))
			if j < 0 {
				return nil, fmt.Errorf("unterminated string at position %d", i+1)
			}
			toks = append(toks, token{'s', s[i+1 : i+1+j], i})
			i += j + 2
		case strings.ContainsRune("=!<>", c):
			j := i + 1
			if j < len(s) && s[j] == '=' {
				j++
			}
			op := s[i:j]
			if op == "!" {
				return nil, fmt.Errorf("'!' must be followed by '=' at position %d", i+1)
			}
			toks = append(toks, token{'o', op, i})
			i = j
		case c == '_' || c == '-' || c == '.' || c == '+' || unicode.IsLetter(c) || unicode.IsDigit(c):
			j := i
			for j < len(s) {
				r := rune(s[j])
				if !(r == '_' || r == '-' || r == '.' || r == '+' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
					break
				}
				j++
			}
			toks = append(toks, token{'w', s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", c, i+1)
		}
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("empty expression")
	}
	return toks, nil
}

type parser struct {
	toks []token
	pos  int
	refs map[string]bool
}

const maxDepth = 32

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *parser) isWord(w string) bool {
	t, ok := p.peek()
	return ok && t.kind == 'w' && t.text == w
}

func (p *parser) expr(depth int) (node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("expression nested too deeply")
	}
	left, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		p.pos++
		right, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		left = orNode{left, right}
	}
	return left, nil
}

func (p *parser) term(depth int) (node, error) {
	left, err := p.factor(depth)
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		p.pos++
		right, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		left = andNode{left, right}
	}
	return left, nil
}

func (p *parser) factor(depth int) (node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("expression ends too early")
	}
	switch {
	case t.kind == 'w' && t.text == "not":
		p.pos++
		n, err := p.factor(depth + 1)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case t.kind == '(':
		p.pos++
		n, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if t, ok := p.peek(); !ok || t.kind != ')' {
			return nil, fmt.Errorf("missing ')'")
		}
		p.pos++
		return n, nil
	case t.kind != 'w' || isKeyword(t.text):
		return nil, fmt.Errorf("expected a field name at position %d, got %q", t.at+1, t.text)
	}
	field := t.text
	p.refs[field] = true
	p.pos++
	op, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("expected an operator after %q", field)
	}
	p.pos++
	if op.kind == 'w' && op.text == "in" {
		vals, err := p.list()
		if err != nil {
			return nil, err
		}
		return &inNode{field: field, vals: vals}, nil
	}
	if op.kind != 'o' {
		return nil, fmt.Errorf("expected an operator after %q, got %q", field, op.text)
	}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	return &cmpNode{field: field, op: op.text, val: v}, nil
}

// list parses the "(" value { "," value } ")" after "in".
func (p *parser) list() ([]literal, error) {
	if t, ok := p.peek(); !ok || t.kind != '(' {
		return nil, fmt.Errorf("expected '(' after 'in'")
	}
	p.pos++
	var vals []literal
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		t, ok := p.peek()
		if !ok {
			return nil, fmt.Errorf("missing ')' after the 'in' list")
		}
		p.pos++
		if t.kind == ')' {
			return vals, nil
		}
		if t.kind != ',' {
			return nil, fmt.Errorf("expected ',' or ')' at position %d", t.at+1)
		}
	}
}

func isKeyword(w string) bool { return w == "and" || w == "or" || w == "not" || w == "in" }

// literal is a value as written; typed is filled in by Check.
type literal struct {
	text   string
	quoted bool
	typed  any
}

func (p *parser) value() (literal, error) {
	t, ok := p.peek()
	if !ok || (t.kind != 'w' && t.kind != 's') || (t.kind == 'w' && isKeyword(t.text)) {
		return literal{}, fmt.Errorf("expected a value")
	}
	p.pos++
	return literal{text: t.text, quoted: t.kind == 's'}, nil
}

type orNode struct{ a, b node }
type andNode struct{ a, b node }
type notNode struct{ a node }
type trueNode struct{}

func (n orNode) eval(l *data.Layer, i int) bool  { return n.a.eval(l, i) || n.b.eval(l, i) }
func (n andNode) eval(l *data.Layer, i int) bool { return n.a.eval(l, i) && n.b.eval(l, i) }
func (n notNode) eval(l *data.Layer, i int) bool { return !n.a.eval(l, i) }
func (trueNode) eval(*data.Layer, int) bool      { return true }
func (n orNode) String() string                  { return fmt.Sprintf("(%v or %v)", n.a, n.b) }
func (n andNode) String() string                 { return fmt.Sprintf("(%v and %v)", n.a, n.b) }
func (n notNode) String() string                 { return fmt.Sprintf("(not %v)", n.a) }
func (trueNode) String() string                  { return "true" }

type cmpNode struct {
	field, op string
	at        ref // the field in the bound spec
	val       literal
}

func (n *cmpNode) String() string { return fmt.Sprintf("%s %s %q", n.field, n.op, n.val.text) }

func (n *cmpNode) eval(l *data.Layer, i int) bool {
	v := n.at.value(l, i)
	if v.Null() {
		return false
	}
	c, ok := compare(v, n.val.typed)
	if !ok {
		return n.op == "!="
	}
	return holds(n.op, c)
}

// holds reports whether a comparison that came out c (as cmp.Compare) satisfies op.
func holds(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "!=", "<>":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

type inNode struct {
	field string
	at    ref
	vals  []literal
}

func (n *inNode) String() string {
	var s []string
	for _, v := range n.vals {
		s = append(s, strconv.Quote(v.text))
	}
	return fmt.Sprintf("%s in (%s)", n.field, strings.Join(s, ","))
}

func (n *inNode) eval(l *data.Layer, i int) bool {
	v := n.at.value(l, i)
	if v.Null() {
		return false
	}
	for _, l := range n.vals {
		if c, ok := compare(v, l.typed); ok && c == 0 {
			return true
		}
	}
	return false
}

// compare orders a value and a literal of the same type; ok is false when they cannot be
// compared (see compareValues).
func compare(a data.Value, b any) (int, bool) { return compareValues(a, data.ValueOf(b)) }

// compareValues orders two values: strings by their bytes, booleans false first, numbers
// (integers exactly, else as float64) by value; ok is false when they are not of comparable
// types or one is NaN (NaN compares with nothing).
func compareValues(a, b data.Value) (int, bool) {
	switch {
	case a.Type == data.FieldString && b.Type == data.FieldString:
		return strings.Compare(a.Str, b.Str), true
	case a.Type == data.FieldBoolean && b.Type == data.FieldBoolean:
		if a.Bool == b.Bool {
			return 0, true
		}
		if !a.Bool {
			return -1, true
		}
		return 1, true
	case a.Type == data.FieldInteger && b.Type == data.FieldInteger:
		return cmp.Compare(a.Int, b.Int), true
	case numeric(a.Type) && numeric(b.Type):
		x, _ := a.Float()
		y, _ := b.Float()
		if math.IsNaN(x) || math.IsNaN(y) {
			return 0, false
		}
		return cmp.Compare(x, y), true
	}
	return 0, false
}

func numeric(t data.FieldType) bool { return t == data.FieldInteger || t == data.FieldNumber }

// typeCheck converts each literal to its field's type (numbers as float64 for numeric fields) and
// records the fields' indexes in spec.
func typeCheck(n node, spec *data.LayerSpec) error {
	conv := func(field string, l *literal) error {
		f, _ := fieldOf(spec, field)
		t := f.Type
		if t == data.FieldInteger {
			t = data.FieldNumber
		}
		v, err := data.Coerce(t, l.text)
		if err != nil {
			return data.Invalid("bad filter", fmt.Sprintf("%s is a %s field: %q is not a %s", field, f.Type, l.text, f.Type))
		}
		l.typed = v
		return nil
	}
	switch n := n.(type) {
	case orNode:
		if err := typeCheck(n.a, spec); err != nil {
			return err
		}
		return typeCheck(n.b, spec)
	case andNode:
		if err := typeCheck(n.a, spec); err != nil {
			return err
		}
		return typeCheck(n.b, spec)
	case notNode:
		return typeCheck(n.a, spec)
	case cqlRoot:
		return n.n.bind(spec)
	case *cmpNode:
		n.at = refOf(spec, n.field)
		return conv(n.field, &n.val)
	case *inNode:
		n.at = refOf(spec, n.field)
		for i := range n.vals {
			if err := conv(n.field, &n.vals[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

// ref is where a bound filter reads a property: a field of the layer, or a layer constant.
type ref struct {
	index int        // of the field in the bound spec; constField: the constant
	konst data.Value // the layer constant's value
}

// constField is the field index of a layer constant.
const constField = -2

func (r ref) value(l *data.Layer, i int) data.Value {
	if r.index == constField {
		return r.konst
	}
	return l.Value(i, r.index)
}

// fieldOf returns the field named name of spec, or its layer constant of that name (data.Constants:
// a hazard layer's hazard_kind, scenario, horizon, return_period).
func fieldOf(spec *data.LayerSpec, name string) (data.Field, bool) { return spec.Property(name) }

// refOf is where the property name of spec is read.
func refOf(spec *data.LayerSpec, name string) ref {
	if k := spec.FieldIndex(name); k >= 0 {
		return ref{index: k}
	}
	c, _ := spec.Constant(name)
	return ref{index: constField, konst: c.Value}
}
