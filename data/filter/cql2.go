package filter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"github.com/cpec-digital/indus/data"
)

// CQL2 text (OGC 21-065, the cql2-text encoding) compiles to the same Filter as Indus's own
// language. The subset:
//
//	expr      := term { OR term }
//	term      := factor { AND factor }
//	factor    := NOT factor | "(" expr ")" | TRUE | FALSE | predicate
//	predicate := scalar ("=" | "<>" | "<" | "<=" | ">" | ">=") scalar
//	           | scalar [NOT] LIKE 'pattern'            (% any run, _ one character, \ escapes)
//	           | scalar [NOT] BETWEEN scalar AND scalar  (inclusive, numbers)
//	           | scalar [NOT] IN "(" scalar { "," scalar } ")"
//	           | scalar IS [NOT] NULL
//	           | S_INTERSECTS "(" geom "," geom ")"
//	scalar    := property | "property" | 'text' | number | TRUE | FALSE | DATE('…') | TIMESTAMP('…')
//	geom      := geometry | geom | POINT | LINESTRING | POLYGON | MULTIPOINT | MULTILINESTRING
//	           | MULTIPOLYGON | GEOMETRYCOLLECTION (WKT, optional Z ignored, EMPTY) | BBOX(w, s, e, n)
//
// Keywords are case-insensitive; properties are the layer's fields (case-sensitive), and
// geometry (or geom) names the feature geometry. Logic is three-valued as in SQL: a comparison
// with a null attribute is unknown, NOT unknown is unknown, and only features for which the
// filter is true are kept. NaN compares with nothing: only <> (and NOT of a comparison) holds.
// Both sides of a comparison must have the same type (numbers with numbers, and so on), checked
// when the filter is bound to a layer. S_INTERSECTS is exact (closed sets, planar in lon/lat).

// Languages of filter expressions, as the filter-lang parameter names them.
const (
	LangIndus = "indus"     // Indus's own language (above): the default of tiles
	LangCQL2  = "cql2-text" // OGC CQL2, text encoding
)

// tri is a truth value of three-valued logic.
type tri uint8

const (
	no tri = iota
	yes
	unknown
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// cnode is a node of a CQL2 expression: it evaluates to a truth value of three-valued logic,
// binds itself to a layer (resolving properties, checking types), and prints its canonical form.
type cnode interface {
	eval3(l *data.Layer, i int) tri
	bind(spec *data.LayerSpec) error
	String() string
}

// cqlRoot adapts a CQL2 expression to the filter's node: a feature passes when it is true.
type cqlRoot struct{ n cnode }

func (r cqlRoot) eval(l *data.Layer, i int) bool { return r.n.eval3(l, i) == yes }
func (r cqlRoot) String() string                 { return r.n.String() }

type (
	orN   struct{ a, b cnode }
	andN  struct{ a, b cnode }
	notN  struct{ a cnode }
	boolN struct{ v bool }
)

func (n orN) eval3(l *data.Layer, i int) tri {
	a := n.a.eval3(l, i)
	if a == yes {
		return yes
	}
	if b := n.b.eval3(l, i); b != no {
		return b
	}
	return a
}

func (n andN) eval3(l *data.Layer, i int) tri {
	a := n.a.eval3(l, i)
	if a == no {
		return no
	}
	if b := n.b.eval3(l, i); b != yes {
		return b
	}
	return a
}

func (n notN) eval3(l *data.Layer, i int) tri {
	switch n.a.eval3(l, i) {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

func (n boolN) eval3(*data.Layer, int) tri { return triOf(n.v) }

func (n orN) bind(spec *data.LayerSpec) error  { return bindAll(spec, n.a, n.b) }
func (n andN) bind(spec *data.LayerSpec) error { return bindAll(spec, n.a, n.b) }
func (n notN) bind(spec *data.LayerSpec) error { return n.a.bind(spec) }
func (boolN) bind(*data.LayerSpec) error       { return nil }

func (n orN) String() string  { return "(" + n.a.String() + " OR " + n.b.String() + ")" }
func (n andN) String() string { return "(" + n.a.String() + " AND " + n.b.String() + ")" }
func (n notN) String() string { return "(NOT " + n.a.String() + ")" }
func (n boolN) String() string {
	if n.v {
		return "TRUE"
	}
	return "FALSE"
}

func bindAll(spec *data.LayerSpec, nodes ...cnode) error {
	for _, n := range nodes {
		if err := n.bind(spec); err != nil {
			return err
		}
	}
	return nil
}

// Kinds of CQL2 values (and of the properties that hold them).
const (
	kString    = 's'
	kNumber    = 'n'
	kBoolean   = 'b'
	kDate      = 'd'
	kTimestamp = 't'
	kGeometry  = 'g'
)

func kindName(k byte) string {
	return map[byte]string{kString: "a string", kNumber: "a number", kBoolean: "a boolean", kDate: "a date",
		kTimestamp: "a timestamp", kGeometry: "the geometry"}[k]
}

// scalar is a literal value. Dates and timestamps are held as fixed-width UTC text, which sorts
// as time does.
type scalar struct {
	kind byte
	v    data.Value
}

func (s scalar) String() string {
	switch s.kind {
	case kString:
		return quoteCQL2(s.v.Str)
	case kBoolean:
		return boolN{s.v.Bool}.String()
	case kDate:
		return "DATE('" + s.v.Str + "')"
	case kTimestamp:
		return "TIMESTAMP('" + s.v.Str + "')"
	case kNumber:
		if s.v.Type == data.FieldInteger {
			return strconv.FormatInt(s.v.Int, 10)
		}
	}
	return strconv.FormatFloat(s.v.Num, 'g', -1, 64)
}

// quoteCQL2 writes a character literal that reads back as s.
func quoteCQL2(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			b.WriteString("''")
		case '\\':
			b.WriteString(`\\`)
		case 7, 8, 9, 10, 11, 12, 13:
			b.WriteByte('\\')
			b.WriteByte("abtnvfr"[c-7])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// geomField is the field index of the feature geometry.
const geomField = -1

// operand is a property or a literal.
type operand struct {
	name  string // property name; "" for a literal
	lit   scalar
	field int // the property's field index once bound (geomField: the geometry; constField: a layer constant, in lit)
}

func (o *operand) value(l *data.Layer, i int) data.Value {
	if o.name == "" || o.field == constField {
		return o.lit.v
	}
	return l.Value(i, o.field)
}

func (o *operand) String() string {
	if o.name != "" {
		return `"` + o.name + `"`
	}
	return o.lit.String()
}

// bind resolves a property against spec and returns the kind of the operand.
func (o *operand) bind(spec *data.LayerSpec) (byte, error) {
	if o.name == "" {
		return o.lit.kind, nil
	}
	if o.field = spec.FieldIndex(o.name); o.field >= 0 {
		switch spec.Fields[o.field].Type {
		case data.FieldString:
			return kString, nil
		case data.FieldBoolean:
			return kBoolean, nil
		}
		return kNumber, nil
	}
	if c, ok := spec.Constant(o.name); ok {
		o.field, o.lit.v = constField, c.Value
		if c.Type == data.FieldString {
			return kString, nil
		}
		return kNumber, nil
	}
	if isGeometryName(o.name) {
		o.field = geomField
		return kGeometry, nil
	}
	names := make([]string, 0, len(spec.Fields)+1)
	for _, f := range spec.Fields {
		names = append(names, f.Name)
	}
	for _, c := range spec.Constants() {
		names = append(names, c.Name)
	}
	return 0, data.Invalid("bad filter", fmt.Sprintf("layer %q has no queryable %q (it has %s)", spec.ID, o.name,
		strings.Join(append(names, "geometry"), ", ")))
}

// isGeometryName reports whether a property name names the feature geometry.
func isGeometryName(name string) bool {
	return strings.EqualFold(name, "geometry") || strings.EqualFold(name, "geom")
}

// bindKinds binds operands that must all be of one kind, comparable by what, and not the
// geometry; it returns their kind.
func bindKinds(spec *data.LayerSpec, what string, ops ...*operand) (byte, error) {
	var first byte
	for k, o := range ops {
		kind, err := o.bind(spec)
		if err != nil {
			return 0, err
		}
		if kind == kGeometry {
			return 0, data.Invalid("bad filter", fmt.Sprintf("%s is the geometry: test it with S_INTERSECTS or IS NULL", o))
		}
		if k == 0 {
			first = kind
		} else if kind != first {
			return 0, data.Invalid("bad filter", fmt.Sprintf("%s cannot compare %s (%s) with %s (%s)", what, ops[0], kindName(first), o, kindName(kind)))
		}
	}
	return first, nil
}

// cmpN is a binary comparison.
type cmpN struct {
	a, b operand
	op   string
}

func (n *cmpN) eval3(l *data.Layer, i int) tri {
	a, b := n.a.value(l, i), n.b.value(l, i)
	if a.Null() || b.Null() {
		return unknown
	}
	c, ok := compareValues(a, b)
	if !ok {
		return triOf(n.op == "<>")
	}
	return triOf(holds(n.op, c))
}

func (n *cmpN) bind(spec *data.LayerSpec) error {
	_, err := bindKinds(spec, n.op, &n.a, &n.b)
	return err
}

func (n *cmpN) String() string { return n.a.String() + " " + n.op + " " + n.b.String() }

// notWord is " NOT" when not is true, for printing negated predicates.
func notWord(not bool) string {
	if not {
		return " NOT"
	}
	return ""
}

// likeN is a LIKE pattern match on a string.
type likeN struct {
	a   operand
	src string // the pattern as written (unescaped from its literal)
	pat likePattern
	not bool
}

func (n *likeN) eval3(l *data.Layer, i int) tri {
	v := n.a.value(l, i)
	if v.Null() {
		return unknown
	}
	return triOf(n.pat.match(v.Str) != n.not)
}

func (n *likeN) bind(spec *data.LayerSpec) error {
	kind, err := n.a.bind(spec)
	if err == nil && kind != kString {
		err = data.Invalid("bad filter", fmt.Sprintf("LIKE matches strings: %s is %s", &n.a, kindName(kind)))
	}
	return err
}

func (n *likeN) String() string { return n.a.String() + notWord(n.not) + " LIKE " + quoteCQL2(n.src) }

// betweenN is an inclusive range test on numbers.
type betweenN struct {
	a, lo, hi operand
	not       bool
}

func (n *betweenN) eval3(l *data.Layer, i int) tri {
	a, lo, hi := n.a.value(l, i), n.lo.value(l, i), n.hi.value(l, i)
	if a.Null() || lo.Null() || hi.Null() {
		return unknown
	}
	c1, ok1 := compareValues(a, lo)
	c2, ok2 := compareValues(a, hi)
	return triOf((ok1 && ok2 && c1 >= 0 && c2 <= 0) != n.not)
}

func (n *betweenN) bind(spec *data.LayerSpec) error {
	kind, err := bindKinds(spec, "BETWEEN", &n.a, &n.lo, &n.hi)
	if err == nil && kind != kNumber {
		err = data.Invalid("bad filter", fmt.Sprintf("BETWEEN compares numbers: %s is %s", &n.a, kindName(kind)))
	}
	return err
}

func (n *betweenN) String() string {
	return n.a.String() + notWord(n.not) + " BETWEEN " + n.lo.String() + " AND " + n.hi.String()
}

// inN tests a value for equality with the values of a list.
type inN struct {
	a    operand
	list []operand
	not  bool
}

func (n *inN) eval3(l *data.Layer, i int) tri {
	a := n.a.value(l, i)
	if a.Null() {
		return unknown
	}
	sawNull := false
	for k := range n.list {
		v := n.list[k].value(l, i)
		if v.Null() {
			sawNull = true
		} else if c, ok := compareValues(a, v); ok && c == 0 {
			return triOf(!n.not)
		}
	}
	if sawNull {
		return unknown
	}
	return triOf(n.not)
}

func (n *inN) bind(spec *data.LayerSpec) error {
	ops := []*operand{&n.a}
	for k := range n.list {
		ops = append(ops, &n.list[k])
	}
	_, err := bindKinds(spec, "IN", ops...)
	return err
}

func (n *inN) String() string {
	items := make([]string, len(n.list))
	for k := range n.list {
		items[k] = n.list[k].String()
	}
	return n.a.String() + notWord(n.not) + " IN (" + strings.Join(items, ", ") + ")"
}

// nullN is IS [NOT] NULL. Every feature has a geometry.
type nullN struct {
	a   operand
	not bool
}

func (n *nullN) eval3(l *data.Layer, i int) tri {
	if n.a.name != "" && n.a.field == geomField {
		return triOf(n.not)
	}
	return triOf(n.a.value(l, i).Null() != n.not)
}

func (n *nullN) bind(spec *data.LayerSpec) error {
	_, err := n.a.bind(spec)
	return err
}

func (n *nullN) String() string {
	return n.a.String() + " IS" + notWord(n.not) + " NULL"
}

// boundOf is a bbox that every feature the expression keeps must meet, when one is known.
func boundOf(n cnode) (orb.Bound, bool) {
	switch n := n.(type) {
	case *spatialN:
		return n.region.Bound(), true
	case andN:
		if b, ok := boundOf(n.a); ok {
			return b, true
		}
		return boundOf(n.b)
	case orN:
		a, okA := boundOf(n.a)
		b, okB := boundOf(n.b)
		return a.Union(b), okA && okB
	}
	return orb.Bound{}, false
}
