// Package filter is Indus's one attribute filter language, used by tiles (?filter=) and by
// collection items (?field=value) alike.
package filter

import (
	"cmp"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"

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
	src  string
	root node
	refs map[string]bool
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
	return &Filter{src: src, root: root, refs: p.refs}, nil
}

// String returns a canonical form of the filter (used in cache keys).
func (f *Filter) String() string { return fmt.Sprint(f.root) }

// Match reports whether feature i of l passes the filter (which must be bound to l's spec).
func (f *Filter) Match(l *data.Layer, i int) bool { return f.root.eval(l, i) }

// Bind returns a copy of the filter checked against a layer: every field it names must be declared
// by the layer, and the literals are converted to the field types.
func (f *Filter) Bind(spec *data.LayerSpec) (*Filter, error) {
	for name := range f.refs {
		if _, ok := spec.Field(name); !ok {
			return nil, data.Invalid("bad filter", fmt.Sprintf("layer %q has no field %q", spec.ID, name))
		}
	}
	g, err := Parse(f.src)
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
	f := &Filter{root: trueNode{}, refs: map[string]bool{}}
	for _, k := range names {
		if _, ok := spec.Field(k); !ok {
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
	index     int // of the field in the bound spec
	val       literal
}

func (n *cmpNode) String() string { return fmt.Sprintf("%s %s %q", n.field, n.op, n.val.text) }

func (n *cmpNode) eval(l *data.Layer, i int) bool {
	v := l.Value(i, n.index)
	if v.Null() {
		return false
	}
	c, ok := compare(v, n.val.typed)
	if !ok {
		return n.op == "!="
	}
	switch n.op {
	case "=":
		return c == 0
	case "!=":
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
	index int
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
	v := l.Value(i, n.index)
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
// compared. Integers and numbers compare as numbers; NaN compares with nothing.
func compare(a data.Value, b any) (int, bool) {
	switch a.Type {
	case data.FieldString:
		y, ok := b.(string)
		return strings.Compare(a.Str, y), ok
	case data.FieldInteger, data.FieldNumber:
		x, _ := a.Float()
		var y float64
		switch v := b.(type) {
		case int64:
			y = float64(v)
		case float64:
			y = v
		default:
			return 0, false
		}
		if math.IsNaN(x) || math.IsNaN(y) {
			return 0, false
		}
		return cmp.Compare(x, y), true
	case data.FieldBoolean:
		y, ok := b.(bool)
		if !ok {
			return 0, false
		}
		if a.Bool == y {
			return 0, true
		}
		if !a.Bool {
			return -1, true
		}
		return 1, true
	}
	return 0, false
}

// typeCheck converts each literal to its field's type (numbers as float64 for numeric fields) and
// records the fields' indexes in spec.
func typeCheck(n node, spec *data.LayerSpec) error {
	conv := func(field string, l *literal) error {
		f, _ := spec.Field(field)
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
	case *cmpNode:
		n.index = spec.FieldIndex(n.field)
		return conv(n.field, &n.val)
	case *inNode:
		n.index = spec.FieldIndex(n.field)
		for i := range n.vals {
			if err := conv(n.field, &n.vals[i]); err != nil {
				return err
			}
		}
	}
	return nil
}
