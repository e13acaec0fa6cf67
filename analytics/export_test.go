package analytics

import (
	"bytes"
	"context"
	"testing"
)

// A GeoJSON export of an answer that withheld layers carries "withheld": true at the top level;
// without it the export is byte for byte what it was.
func TestExportSaysWithheld(t *testing.T) {
	res := area(t, `{"bbox":[68.5,25,69.5,26]}`)
	plain, err := ExposedGeoJSON(context.Background(), res)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(plain, []byte("withheld")) || !bytes.HasPrefix(plain, []byte(`{"features":[`)) || !bytes.HasSuffix(plain, []byte(`],"type":"FeatureCollection"}`)) {
		t.Fatalf("export without anything withheld: %.100s … %s", plain, plain[len(plain)-60:])
	}
	res.Withheld = true
	marked, err := ExposedGeoJSON(context.Background(), res)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(bytes.TrimSuffix(plain, []byte("}")), `,"withheld":true}`...); !bytes.Equal(marked, want) {
		t.Fatalf("withheld export ends %s", marked[len(marked)-60:])
	}
}
