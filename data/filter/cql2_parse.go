package filter

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cpec-digital/indus/data"
)

// ParseCQL2 parses a CQL2 text expression with coordinates in CRS84 (lon/lat). Properties
// and types are checked later by Bind.
func ParseCQL2(src string) (*Filter, error) { return parseCQL2(src, false) }

// parseCQL2 parses CQL2 text; latFirst says the geometry literals list latitude first (EPSG:4326).
// The filter's source is its canonical form, in CRS84, which Bind parses again.
func parseCQL2(src string, latFirst bool) (*Filter, error) {
	if len(src) > MaxFilterLength {
		return nil, data.Invalid("filter too long", fmt.Sprintf("at most %d characters", MaxFilterLength))
	}
	toks, err := lexCQL2(src)
	if err != nil {
		return nil, data.Invalid("bad filter", err.Error())
	}
	p := &cparser{src: src, toks: toks, latFirst: latFirst}
	if p.peek().kind == 0 {
		return nil, data.Invalid("bad filter", "empty expression")
	}
	root, err := p.or(0)
	if t := p.peek(); err == nil && t.kind != 0 {
		err = p.errorf(t, "unexpected %s", p.show(t))
	}
	if err != nil {
		return nil, data.Invalid("bad filter", err.Error())
	}
	f := &Filter{root: cqlRoot{root}, lang: LangCQL2}
	f.src = f.String()
	return f, nil
}

// cparser is a recursive-descent parser of CQL2 text.
type cparser struct {
	src      string
	toks     []ctok
	pos      int
	latFirst bool
}

func (p *cparser) peek() ctok { return p.toks[p.pos] }

func (p *cparser) next() ctok {
	t := p.toks[p.pos]
	if t.kind != 0 {
		p.pos++
	}
	return t
}

// is reports whether t is the keyword w (case-insensitive).
func is(t ctok, w string) bool { return t.kind == 'i' && strings.EqualFold(t.text, w) }

// accept consumes the keyword w if it comes next.
func (p *cparser) accept(w string) bool {
	if is(p.peek(), w) {
		p.pos++
		return true
	}
	return false
}

// show describes a token for an error message.
func (p *cparser) show(t ctok) string {
	if t.kind == 0 {
		return "the end of the filter"
	}
	return strconv.Quote(p.src[t.at:t.end])
}

func (p *cparser) errorf(t ctok, format string, args ...any) error {
	return fmt.Errorf(format+" at position %d", append(args, position(p.src, t.at))...)
}

// expect consumes a token of the kind ('(' ')' ',') or fails naming what was wanted.
func (p *cparser) expect(kind byte, context string) error {
	if t := p.next(); t.kind != kind {
		return p.errorf(t, "expected '%c' %s, got %s", kind, context, p.show(t))
	}
	return nil
}

func (p *cparser) or(depth int) (cnode, error) {
	left, err := p.and(depth)
	for err == nil && p.accept("OR") {
		var right cnode
		right, err = p.and(depth)
		left = orN{left, right}
	}
	return left, err
}

func (p *cparser) and(depth int) (cnode, error) {
	left, err := p.not(depth)
	for err == nil && p.accept("AND") {
		var right cnode
		right, err = p.not(depth)
		left = andN{left, right}
	}
	return left, err
}

func (p *cparser) not(depth int) (cnode, error) {
	if depth > maxDepth {
		return nil, p.errorf(p.peek(), "expression nested too deeply")
	}
	if p.accept("NOT") {
		n, err := p.not(depth + 1)
		return notN{n}, err
	}
	if t := p.peek(); t.kind == '(' {
		p.pos++
		n, err := p.or(depth + 1)
		if err == nil {
			err = p.expect(')', fmt.Sprintf("to close the '(' at position %d", position(p.src, t.at)))
		}
		return n, err
	}
	return p.predicate()
}

// predicate parses a comparison, LIKE, BETWEEN, IN, IS NULL, a spatial function or a lone
// TRUE or FALSE.
func (p *cparser) predicate() (cnode, error) {
	if t := p.peek(); t.kind == 'i' && p.toks[p.pos+1].kind == '(' && spatialFunction(t.text) {
		return p.spatial()
	}
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch t := p.peek(); {
	case t.kind == 'o':
		p.pos++
		right, err := p.operand()
		return &cmpN{a: left, op: t.text, b: right}, err
	case is(t, "IS"):
		p.pos++
		not := p.accept("NOT")
		if u := p.next(); !is(u, "NULL") {
			return nil, p.errorf(u, "expected NULL after IS, got %s", p.show(u))
		}
		return &nullN{a: left, not: not}, nil
	case is(t, "NOT") || is(t, "LIKE") || is(t, "BETWEEN") || is(t, "IN"):
		return p.advanced(left)
	case left.name == "" && left.lit.kind == kBoolean:
		return boolN{left.lit.v.Bool}, nil
	default:
		return nil, p.errorf(t, "expected a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS after %s, got %s", left.String(), p.show(t))
	}
}

// advanced parses [NOT] LIKE, BETWEEN or IN after their first operand.
func (p *cparser) advanced(left operand) (cnode, error) {
	not := p.accept("NOT")
	switch t := p.next(); {
	case is(t, "LIKE"):
		pat := p.next()
		if pat.kind != 's' {
			return nil, p.errorf(pat, "expected a pattern in single quotes after LIKE, got %s", p.show(pat))
		}
		compiled, err := compileLike(pat.text)
		if err != nil {
			return nil, p.errorf(pat, "%v in the pattern", err)
		}
		return &likeN{a: left, src: pat.text, pat: compiled, not: not}, nil
	case is(t, "BETWEEN"):
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if u := p.next(); !is(u, "AND") {
			return nil, p.errorf(u, "expected AND in BETWEEN, got %s", p.show(u))
		}
		hi, err := p.operand()
		return &betweenN{a: left, lo: lo, hi: hi, not: not}, err
	case is(t, "IN"):
		n := &inN{a: left, not: not}
		err := p.list("after IN", func() error {
			v, err := p.operand()
			n.list = append(n.list, v)
			return err
		})
		return n, err
	default:
		return nil, p.errorf(t, "expected LIKE, BETWEEN or IN after NOT, got %s", p.show(t))
	}
}

// list parses "(" item { "," item } ")".
func (p *cparser) list(context string, item func() error) error {
	if err := p.expect('(', context); err != nil {
		return err
	}
	for {
		if err := item(); err != nil {
			return err
		}
		switch t := p.next(); t.kind {
		case ')':
			return nil
		case ',':
		default:
			return p.errorf(t, "expected ',' or ')' in a list, got %s", p.show(t))
		}
	}
}

// reserved are the keywords that cannot be unquoted property names.
func reserved(w string) bool {
	switch strings.ToUpper(w) {
	case "AND", "OR", "NOT", "LIKE", "BETWEEN", "IN", "IS", "NULL", "TRUE", "FALSE":
		return true
	}
	return false
}

// operand parses a property name or a literal.
func (p *cparser) operand() (operand, error) {
	t := p.next()
	switch t.kind {
	case 's':
		return operand{lit: scalar{kind: kString, v: data.Value{Type: data.FieldString, Str: t.text}}}, nil
	case 'n':
		return p.number(t)
	case 'q':
		return operand{name: t.text}, nil
	case 'i':
		switch {
		case is(t, "TRUE") || is(t, "FALSE"):
			return operand{lit: scalar{kind: kBoolean, v: data.Value{Type: data.FieldBoolean, Bool: is(t, "TRUE")}}}, nil
		case is(t, "NULL"):
			return operand{}, p.errorf(t, "NULL is not a value (test with IS NULL)")
		case p.peek().kind == '(':
			return p.call(t)
		case !reserved(t.text):
			return operand{name: t.text}, nil
		}
	}
	return operand{}, p.errorf(t, "expected a property name or a value, got %s", p.show(t))
}

// number converts a number token: an integer when it is one that fits, else a float.
func (p *cparser) number(t ctok) (operand, error) {
	if n, err := strconv.ParseInt(t.text, 10, 64); err == nil {
		return operand{lit: scalar{kind: kNumber, v: data.Value{Type: data.FieldInteger, Int: n}}}, nil
	}
	f, err := strconv.ParseFloat(t.text, 64)
	if err != nil || math.IsInf(f, 0) {
		return operand{}, p.errorf(t, "number %s is out of range", p.show(t))
	}
	if f == 0 {
		f = 0 // not -0, which would print as an integer's "-0" and read back as 0
	}
	return operand{lit: scalar{kind: kNumber, v: data.Value{Type: data.FieldNumber, Num: f}}}, nil
}

// call parses a function call in a scalar position: DATE('…') and TIMESTAMP('…') literals;
// other functions are not supported.
func (p *cparser) call(fn ctok) (operand, error) {
	layout, kind, canon := time.DateOnly, byte(kDate), time.DateOnly
	switch {
	case is(fn, "TIMESTAMP"):
		layout, kind, canon = time.RFC3339Nano, kTimestamp, "2006-01-02T15:04:05.000000000Z"
	case !is(fn, "DATE"):
		return operand{}, p.errorf(fn, "function %s is not supported (only S_INTERSECTS, DATE and TIMESTAMP)", strings.ToUpper(fn.text))
	}
	if err := p.expect('(', "after "+strings.ToUpper(fn.text)); err != nil {
		return operand{}, err
	}
	arg := p.next()
	if arg.kind != 's' {
		return operand{}, p.errorf(arg, "expected a quoted date or time, got %s", p.show(arg))
	}
	if err := p.expect(')', "after the "+strings.ToUpper(fn.text)); err != nil {
		return operand{}, err
	}
	at, err := time.Parse(layout, arg.text)
	if err != nil {
		return operand{}, p.errorf(arg, "%s is not a valid %s", p.show(arg), strings.ToUpper(fn.text))
	}
	return operand{lit: scalar{kind: kind, v: data.Value{Type: data.FieldString, Str: at.UTC().Format(canon)}}}, nil
}
