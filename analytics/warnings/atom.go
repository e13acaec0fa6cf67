package warnings

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"sort"
	"strings"
	"time"
)

// Atom 1.0 (RFC 4287) document types.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  atomPerson  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Author  atomPerson `xml:"author"`
	Links   []atomLink `xml:"link"`
	Summary atomText   `xml:"summary"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

// FeedMeta is what an Atom feed says about itself.
type FeedMeta struct {
	Base   string // public URL of the server, links start with it
	Sender string // CAP sender: the feed's and entries' ids are derived from it
	Author string // author and title of the feed; empty: the sender
	Texts  *Texts // gives the summaries (English description and instruction)
}

// Feed returns the warnings of the Atom feed: the latest version of each one that is active or was
// cancelled less than FeedCancelled ago, newest first, at most FeedMax.
func (s *Service) Feed() []*Warning {
	now := s.now()
	var out []*Warning
	for _, w := range s.List("", nil) {
		if w.Status == "cancelled" && now.Sub(w.Sent) >= s.cfg.FeedCancelled {
			continue
		}
		out = append(out, w)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Sent.Equal(out[j].Sent) {
			return out[i].Sent.After(out[j].Sent)
		}
		return out[i].Reading.Seq > out[j].Reading.Seq // the later accepted reading
	})
	if len(out) > s.cfg.FeedMax {
		out = out[:s.cfg.FeedMax]
	}
	return out
}

// Atom renders the feed of the current warnings (Feed) with links under base.
func (s *Service) Atom(base string) ([]byte, error) {
	return RenderAtom(s.Feed(), FeedMeta{Base: base, Sender: s.cfg.Sender, Author: s.cfg.SenderName, Texts: s.texts})
}

// RenderAtom renders warning versions, in the order given, as an Atom 1.0 feed. Its output
// depends only on its arguments: an entry per warning episode (its id stays as the warning is
// updated), titled with the headline, updated when the version was sent, linking to its CAP message.
func RenderAtom(ws []*Warning, m FeedMeta) ([]byte, error) {
	base := strings.TrimRight(m.Base, "/")
	author := atomPerson{Name: m.Author}
	if author.Name == "" {
		author.Name = m.Sender
	}
	f := atomFeed{ID: nameUUID(m.Sender + ",feed"), Title: author.Name, Updated: atomTime(time.Unix(0, 0)), Author: author,
		Links: []atomLink{{"self", "application/atom+xml", base + "/warnings.atom"}, {"alternate", "application/json", base + "/warnings"}}}
	var newest time.Time // the feed is as new as its newest entry (the epoch when it has none)
	for i, w := range ws {
		summary := w.Headline
		if m.Texts != nil {
			texts, err := m.Texts.Render(w)
			if err != nil {
				return nil, err
			}
			summary = texts[0].Description + " " + texts[0].Instruction
		}
		if i == 0 || w.Sent.After(newest) {
			newest = w.Sent
			f.Updated = atomTime(newest)
		}
		f.Entries = append(f.Entries, atomEntry{ID: nameUUID(m.Sender + "," + w.ID), Title: w.Headline,
			Updated: atomTime(w.Sent), Author: author, Summary: atomText{"text", summary},
			Links: []atomLink{{"alternate", "application/cap+xml", base + "/warnings/" + w.Identifier + ".cap"},
				{"related", "application/json", base + "/warnings/" + w.Identifier + ".json"}}})
	}
	out, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// atomTime formats a time as RFC 3339 in UTC.
func atomTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// nameUUID is a name-based UUID (version 5, SHA-1; RFC 9562) of name, as a URN: the same name
// always gives the same id.
func nameUUID(name string) string {
	ns := []byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}
	h := sha1.Sum(append(ns, "urn:indus:warnings:"+name...))
	u := h[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return "urn:uuid:" + x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
