package filter

import (
	"errors"
	"unicode/utf8"
)

// likePattern is a compiled LIKE pattern: a sequence of characters, one-character wildcards
// (_) and any-run wildcards (%). Matching is case-sensitive, by character (not byte).
type likePattern []likeTok

type likeTok struct {
	r        rune
	one, any bool
}

// compileLike compiles a pattern: % matches any run of characters, _ one character, and a
// backslash makes the character after it literal.
func compileLike(pat string) (likePattern, error) {
	var out likePattern
	for i := 0; i < len(pat); {
		r, n := utf8.DecodeRuneInString(pat[i:])
		i += n
		switch r {
		case '%':
			if len(out) == 0 || !out[len(out)-1].any { // %% is %
				out = append(out, likeTok{any: true})
			}
		case '_':
			out = append(out, likeTok{one: true})
		case '\\':
			if i == len(pat) {
				return nil, errors.New(`a lone \ ends the pattern (to match a backslash, write \\\\ in the literal)`)
			}
			r, n = utf8.DecodeRuneInString(pat[i:])
			i += n
			out = append(out, likeTok{r: r})
		default:
			out = append(out, likeTok{r: r})
		}
	}
	return out, nil
}

// match reports whether s matches the whole pattern. On a mismatch after a %, the % takes one
// more character and matching resumes: at most len(s)·len(p) steps, with no recursion.
func (p likePattern) match(s string) bool {
	pi, si := 0, 0
	star, starS := -1, 0
	for si < len(s) {
		if pi < len(p) && p[pi].any {
			star, starS = pi, si
			pi++
			continue
		}
		if pi < len(p) {
			r, n := utf8.DecodeRuneInString(s[si:])
			if p[pi].one || p[pi].r == r {
				pi, si = pi+1, si+n
				continue
			}
		}
		if star < 0 {
			return false
		}
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		pi, si = star+1, starS
	}
	for pi < len(p) && p[pi].any {
		pi++
	}
	return pi == len(p)
}
