package data

import (
	"fmt"
	"strconv"
)

// Value is one attribute value, typed as its field declares; Type is "" for null.
type Value struct {
	Type FieldType
	Str  string
	Int  int64
	Num  float64
	Bool bool
}

// ValueOf wraps a property value (string, int64, float64, bool or nil).
func ValueOf(v any) Value {
	switch x := v.(type) {
	case string:
		return Value{Type: FieldString, Str: x}
	case int64:
		return Value{Type: FieldInteger, Int: x}
	case float64:
		return Value{Type: FieldNumber, Num: x}
	case bool:
		return Value{Type: FieldBoolean, Bool: x}
	}
	return Value{}
}

// Null reports whether the value is missing.
func (v Value) Null() bool { return v.Type == "" }

// Any returns the value as string, int64, float64, bool, or nil for null.
func (v Value) Any() any {
	switch v.Type {
	case FieldString:
		return v.Str
	case FieldInteger:
		return v.Int
	case FieldNumber:
		return v.Num
	case FieldBoolean:
		return v.Bool
	}
	return nil
}

// Float returns a numeric or boolean value as a number (true is 1); ok is false otherwise.
func (v Value) Float() (float64, bool) {
	switch v.Type {
	case FieldInteger:
		return float64(v.Int), true
	case FieldNumber:
		return v.Num, true
	case FieldBoolean:
		if v.Bool {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// String formats the value as fmt.Sprint formats its Any form ("<nil>" for null).
func (v Value) String() string {
	switch v.Type {
	case FieldString:
		return v.Str
	case FieldInteger:
		return strconv.FormatInt(v.Int, 10)
	case FieldBoolean:
		return strconv.FormatBool(v.Bool)
	}
	return fmt.Sprint(v.Any())
}
