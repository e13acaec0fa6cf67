package filter

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ctok is a token of CQL2 text.
type ctok struct {
	kind    byte   // 'i' identifier, 'q' quoted identifier, 's' character literal, 'n' number, 'o' comparison, '(' ')' ',', 0 the end
	text    string // the identifier, the literal's characters, the number or the operator
	at, end int    // byte offsets in the source
}

// position is the 1-based character position of byte offset at in src.
func position(src string, at int) int { return utf8.RuneCountInString(src[:at]) + 1 }

// lexCQL2 splits CQL2 text into tokens, ending with a token of kind 0.
func lexCQL2(src string) ([]ctok, error) {
	var toks []ctok
	for i := 0; i < len(src); {
		r, n := utf8.DecodeRuneInString(src[i:])
		var t ctok
		var err error
		switch {
		case unicode.IsSpace(r):
			i += n
			continue
		case r == '(' || r == ')' || r == ',':
			t = ctok{kind: byte(r), text: string(r), at: i, end: i + 1}
		case r == '\'':
			t, err = lexString(src, i)
		case r == '"':
			t, err = lexQuotedName(src, i)
		case r == '=' || r == '<' || r == '>':
			t = lexComparison(src, i)
		case r == '!':
			return nil, fmt.Errorf("'!=' is not CQL2 (use <>) at position %d", position(src, i))
		case isDigit(src, i) || (r == '-' || r == '+' || r == '.') && isDigit(src, i+1) || (r == '-' || r == '+') && i+2 < len(src) && src[i+1] == '.' && isDigit(src, i+2):
			t, err = lexNumber(src, i)
		case identStart(r):
			j := i + n
			for j < len(src) {
				r, n := utf8.DecodeRuneInString(src[j:])
				if !identPart(r) {
					break
				}
				j += n
			}
			t = ctok{kind: 'i', text: src[i:j], at: i, end: j}
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", r, position(src, i))
		}
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		i = t.end
	}
	return append(toks, ctok{at: len(src), end: len(src)}), nil
}

func isDigit(s string, i int) bool { return i < len(s) && s[i] >= '0' && s[i] <= '9' }

// identStart and identPart follow the BNF's identifier: letters, ':' and '_' first; then also
// digits, '.', combining marks and the two tie characters.
func identStart(r rune) bool { return r == ':' || r == '_' || unicode.IsLetter(r) }

func identPart(r rune) bool {
	return identStart(r) || r == '.' || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '\u203F' || r == '\u2040'
}

func lexComparison(src string, i int) ctok {
	op := src[i : i+1]
	if i+1 < len(src) && (src[i+1] == '=' && src[i] != '=' || src[i] == '<' && src[i+1] == '>') {
		op = src[i : i+2]
	}
	return ctok{kind: 'o', text: op, at: i, end: i + len(op)}
}

// lexNumber reads [sign] digits [. digits] [E [sign] digits] (or [sign] . digits ...).
func lexNumber(src string, i int) (ctok, error) {
	j := i
	if src[j] == '-' || src[j] == '+' {
		j++
	}
	digits := func() int {
		k := j
		for isDigit(src, j) {
			j++
		}
		return j - k
	}
	n := digits()
	if j < len(src) && src[j] == '.' {
		j++
		n += digits()
	}
	if n == 0 {
		return ctok{}, fmt.Errorf("malformed number at position %d", position(src, i))
	}
	if j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		j++
		if j < len(src) && (src[j] == '-' || src[j] == '+') {
			j++
		}
		if digits() == 0 {
			return ctok{}, fmt.Errorf("malformed exponent in the number at position %d", position(src, i))
		}
	}
	return ctok{kind: 'n', text: src[i:j], at: i, end: j}, nil
}

// lexString reads a character literal: ” and \' are quotes, \\ a backslash, \a \b \t \n \v
// \f \r control characters; any other backslash stays, with the character after it (so that
// LIKE's \% and \_ reach the pattern).
func lexString(src string, i int) (ctok, error) {
	var b strings.Builder
	for j := i + 1; j < len(src); {
		c := src[j]
		switch {
		case c == '\'' && j+1 < len(src) && src[j+1] == '\'':
			b.WriteByte('\'')
			j += 2
		case c == '\'':
			return ctok{kind: 's', text: b.String(), at: i, end: j + 1}, nil
		case c == '\\' && j+1 < len(src):
			if k := strings.IndexByte(`'\abtnvfr`, src[j+1]); k >= 0 {
				b.WriteByte("'\\\a\b\t\n\v\f\r"[k])
			} else {
				b.WriteString(src[j : j+2])
			}
			j += 2
		default:
			b.WriteByte(c)
			j++
		}
	}
	return ctok{}, fmt.Errorf("unterminated string starting at position %d", position(src, i))
}

// lexQuotedName reads a double-quoted property name.
func lexQuotedName(src string, i int) (ctok, error) {
	j := strings.IndexByte(src[i+1:], '"')
	if j < 0 {
		return ctok{}, fmt.Errorf("unterminated quoted property name starting at position %d", position(src, i))
	}
	if j == 0 {
		return ctok{}, fmt.Errorf("empty property name at position %d", position(src, i))
	}
	return ctok{kind: 'q', text: src[i+1 : i+1+j], at: i, end: i + j + 2}, nil
}
