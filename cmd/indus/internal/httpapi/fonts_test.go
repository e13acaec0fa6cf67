package httpapi

import (
	"bytes"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/cpec-digital/indus/styles/glyphs"
)

func glyphServer(t *testing.T) (string, *glyphs.Set) {
	t.Helper()
	set, err := glyphs.Load(glyphs.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	return start(t, newServer(t, Config{Glyphs: set}, testSet())), set
}

// TestGlyphRanges: a fontstack's range is the set's bytes with a day's caching and an ETag that
// revalidates; a composite stack takes each code point from its first font that has it.
func TestGlyphRanges(t *testing.T) {
	base, set := glyphServer(t)
	const stack = "Noto Sans Regular,Noto Naskh Arabic Regular"
	for _, rng := range []string{"0-255", "1536-1791", "65024-65279"} {
		res, body := fetchFeed(t, base+"/fonts/"+strings.ReplaceAll(stack, " ", "%20")+"/"+rng+".pbf", "")
		want, etag, err := set.Range(stack, rng)
		if err != nil || res.StatusCode != 200 || !bytes.Equal(body, want) {
			t.Fatalf("%s: %d, %d bytes, want %d (%v)", rng, res.StatusCode, len(body), len(want), err)
		}
		if res.Header.Get("ETag") != etag || res.Header.Get("Content-Type") != "application/x-protobuf" ||
			res.Header.Get("Cache-Control") != "public, max-age=86400" {
			t.Errorf("%s: headers %v", rng, res.Header)
		}
		again, b := fetchFeed(t, base+"/fonts/"+stack+"/"+rng+".pbf", etag)
		if again.StatusCode != http.StatusNotModified || len(b) != 0 {
			t.Errorf("%s with If-None-Match: %d, %d bytes", rng, again.StatusCode, len(b))
		}
	}
	// 'A' from Noto Sans, 'ب' from Noto Naskh Arabic: the stack's glyphs are its fonts'.
	latin, _, _ := set.Range("Noto Sans Regular", "0-255")
	stacked, _, _ := set.Range(stack, "0-255")
	if !reflect.DeepEqual(glyphOf(t, latin, 'A'), glyphOf(t, stacked, 'A')) {
		t.Error("the stack's A is not Noto Sans's")
	}
	arabic, _, _ := set.Range("Noto Naskh Arabic Regular", "1536-1791")
	stacked, _, _ = set.Range(stack, "1536-1791")
	if !reflect.DeepEqual(glyphOf(t, arabic, 'ب'), glyphOf(t, stacked, 'ب')) {
		t.Error("the stack's ب is not Noto Naskh Arabic's")
	}
}

// glyphOf finds a glyph in a PBF.
func glyphOf(t *testing.T, pbf []byte, r rune) glyphs.Glyph {
	t.Helper()
	stacks, err := glyphs.Decode(pbf)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range stacks[0].Glyphs {
		if g.ID == r {
			return g
		}
	}
	t.Fatalf("no glyph %c", r)
	return glyphs.Glyph{}
}

func TestGlyphErrors(t *testing.T) {
	base, _ := glyphServer(t)
	for _, tt := range []struct {
		path string
		code int
		want string
	}{
		{"/fonts/Comic%20Sans/0-255.pbf", 404, `no font "Comic Sans" (fonts: Noto Naskh Arabic Bold, Noto Naskh Arabic Regular, Noto Sans Bold, Noto Sans Regular)`},
		{"/fonts/Noto%20Sans%20Regular,Nope/0-255.pbf", 404, `no font "Nope"`},
		{"/fonts/Noto%20Sans%20Regular/1024-1279.pbf", 404, `no glyphs of "Noto Sans Regular" in range 1024-1279`},
		{"/fonts/Noto%20Sans%20Regular/0-256.pbf", 400, "bad glyph range"},
		{"/fonts/Noto%20Sans%20Regular/1-256.pbf", 400, "bad glyph range"},
		{"/fonts/Noto%20Sans%20Regular/00-255.pbf", 400, "bad glyph range"},
		{"/fonts/Noto%20Sans%20Regular/65536-65791.pbf", 400, "bad glyph range"},
		{"/fonts/Noto%20Sans%20Regular/latin.pbf", 400, "bad glyph range"},
		{"/fonts/Noto%20Sans%20Regular/0-255.json", 404, "no route"},
	} {
		var e errorBody
		code, hdr := get(t, base+tt.path, &e)
		if code != tt.code || !strings.Contains(e.Error, tt.want) || hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %+v (%s), want %d and %q", tt.path, code, e, hdr.Get("Cache-Control"), tt.code, tt.want)
		}
	}
	plain := start(t, newServer(t, Config{}, testSet()))
	var e errorBody
	if code, _ := get(t, plain+"/fonts/Noto%20Sans%20Regular/0-255.pbf", &e); code != 404 || e.Error != "no fonts are served" {
		t.Errorf("no glyphs: %d %+v", code, e)
	}
}
