package warnings

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// atomDoc is an Atom feed as a reader sees it.
type atomDoc struct {
	XMLName xml.Name
	ID      string `xml:"id"`
	Title   string `xml:"title"`
	Updated string `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Type string `xml:"type,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Summary struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"summary"`
		Author struct {
			Name string `xml:"name"`
		} `xml:"author"`
		Links []struct {
			Rel  string `xml:"rel,attr"`
			Type string `xml:"type,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
	} `xml:"entry"`
}

func parseAtom(t *testing.T, b []byte) atomDoc {
	t.Helper()
	var f atomDoc
	if err := xml.Unmarshal(b, &f); err != nil {
		t.Fatalf("feed is not well-formed XML: %v\n%s", err, b)
	}
	if f.XMLName.Space != "http://www.w3.org/2005/Atom" || f.XMLName.Local != "feed" {
		t.Fatalf("root %v", f.XMLName)
	}
	return f
}

func TestFeedSelection(t *testing.T) {
	s := scenario(t)
	ids := func() []string {
		var out []string
		for _, w := range s.Feed() {
			out = append(out, w.Identifier)
		}
		return out
	}
	// every warning: the new SKR episode and NSR (same second: the later accepted first), then the cancelled one
	if got := strings.Join(ids(), " "); got != "PK-INDUS-NSR-8.1 PK-INDUS-SKR-7.1 PK-INDUS-SKR-1.6" {
		t.Fatalf("feed %s", got)
	}
	s.now = func() time.Time { return t0.Add(48*time.Hour + 24*time.Hour) } // a day after the Cancel
	if got := strings.Join(ids(), " "); got != "PK-INDUS-NSR-8.1 PK-INDUS-SKR-7.1" {
		t.Fatalf("feed a day later %s", got)
	}
	s.cfg.FeedMax = 1
	if got := strings.Join(ids(), " "); got != "PK-INDUS-NSR-8.1" {
		t.Fatalf("feed of at most 1 %s", got)
	}
}

func TestAtom(t *testing.T) {
	s := scenario(t)
	b, err := s.Atom("https://warn.example.pk/")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Atom("https://warn.example.pk"); !bytes.Equal(again, b) {
		t.Fatal("the same state gave two feeds")
	}
	f := parseAtom(t, b)
	if len(f.Entries) != 3 || f.Updated != "2022-08-27T06:00:00Z" || f.Title != "Indus flood warnings (Digital CPEC Platform)" ||
		f.Author.Name != f.Title || !strings.HasPrefix(f.ID, "urn:uuid:") || len(f.Links) != 2 ||
		f.Links[0].Rel != "self" || f.Links[0].Href != "https://warn.example.pk/warnings.atom" {
		t.Fatalf("feed %+v", f)
	}
	ws := s.Feed()
	for i, e := range f.Entries {
		w := ws[i]
		if e.Title != w.Headline || e.Updated != w.Sent.Format(time.RFC3339) || e.Author.Name != f.Author.Name ||
			e.Links[0].Rel != "alternate" || e.Links[0].Type != "application/cap+xml" ||
			e.Links[0].Href != "https://warn.example.pk/warnings/"+w.Identifier+".cap" ||
			e.Summary.Type != "text" || !strings.HasPrefix(e.Summary.Text, w.MsgType+": discharge") {
			t.Errorf("entry %d %+v for %s", i, e, w.Identifier)
		}
	}
	// An entry is a warning episode: its id stays while the warning is updated, and differs between episodes.
	first := parseAtom(t, must(RenderAtom(s.versions["PK-INDUS-SKR-1"][:1], FeedMeta{Sender: "a@b"})))
	last := parseAtom(t, must(RenderAtom(s.versions["PK-INDUS-SKR-1"][5:], FeedMeta{Sender: "a@b"})))
	other := parseAtom(t, must(RenderAtom(s.versions["PK-INDUS-NSR-8"], FeedMeta{Sender: "a@b"})))
	if first.Entries[0].ID != last.Entries[0].ID || first.Entries[0].ID == other.Entries[0].ID || first.ID != other.ID ||
		first.Entries[0].Title == last.Entries[0].Title || first.Author.Name != "a@b" {
		t.Errorf("entry ids: %s %s %s", first.Entries[0].ID, last.Entries[0].ID, other.Entries[0].ID)
	}
	empty := parseAtom(t, must(RenderAtom(nil, FeedMeta{Sender: "a@b"})))
	if empty.Updated != "1970-01-01T00:00:00Z" || len(empty.Entries) != 0 {
		t.Errorf("empty feed %+v", empty)
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
