package warnings

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CAP 1.2 (OASIS Common Alerting Protocol) document types.
type capAlert struct {
	XMLName    xml.Name  `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier string    `xml:"identifier"`
	Sender     string    `xml:"sender"`
	Sent       string    `xml:"sent"`
	Status     string    `xml:"status"`
	MsgType    string    `xml:"msgType"`
	Scope      string    `xml:"scope"`
	References string    `xml:"references,omitempty"`
	Info       []capInfo `xml:"info"`
}

type capInfo struct {
	Language     string     `xml:"language"`
	Category     string     `xml:"category"`
	Event        string     `xml:"event"`
	ResponseType string     `xml:"responseType"`
	Urgency      string     `xml:"urgency"`
	Severity     string     `xml:"severity"`
	Certainty    string     `xml:"certainty"`
	Onset        string     `xml:"onset"`
	Expires      string     `xml:"expires"`
	SenderName   string     `xml:"senderName,omitempty"`
	Headline     string     `xml:"headline"`
	Description  string     `xml:"description"`
	Instruction  string     `xml:"instruction"`
	Web          string     `xml:"web,omitempty"`
	Contact      string     `xml:"contact,omitempty"`
	Parameters   []capValue `xml:"parameter"`
	Area         capArea    `xml:"area"`
}

type capValue struct {
	ValueName string `xml:"valueName"`
	Value     string `xml:"value"`
}

type capArea struct {
	AreaDesc string     `xml:"areaDesc"`
	Polygon  string     `xml:"polygon"`
	Geocode  []capValue `xml:"geocode"`
}

// capTime formats a time as CAP 1.2 requires (§3.3.2): no fractional seconds, a numeric zone ("Z"
// is not allowed), and UTC written "-00:00".
func capTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") + "-00:00" }

// reference is the CAP "sender,identifier,sent" of a message, for the references of the next one.
func reference(sender string, w *Warning) string {
	return sender + "," + w.Identifier + "," + capTime(w.Sent)
}

// CheckSender checks a CAP sender (CAP 1.2 §3.2.1): not empty, and without spaces, commas or the
// restricted characters < and &.
func CheckSender(sender string) error {
	if sender == "" {
		return fmt.Errorf("CAP sender is empty")
	}
	if i := strings.IndexFunc(sender, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == ',' || r == '<' || r == '&' || r == utf8.RuneError
	}); i >= 0 {
		return fmt.Errorf("CAP sender %q: no spaces, commas, < or & allowed (found %q at byte %d); e.g. warnings@ffd.gov.pk", sender, sender[i:i+1], i)
	}
	return nil
}

// CheckWeb checks the template of CAP <web> links: empty (the server's own page of the warning),
// or an absolute http(s) URL, as public alert hubs require; {id} is replaced by the identifier.
func CheckWeb(web string) error {
	if web == "" {
		return nil
	}
	u, err := url.Parse(strings.ReplaceAll(web, "{id}", "id"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("CAP web %q: want an absolute http(s) URL, {id} standing for the warning's identifier", web)
	}
	return nil
}

// initCAP checks the sender and the web link and loads the text templates.
func (s *Service) initCAP() error {
	if err := CheckSender(s.cfg.Sender); err != nil {
		return err
	}
	if err := CheckWeb(s.cfg.Web); err != nil {
		return err
	}
	t, err := LoadTexts(s.cfg.Templates)
	if err != nil {
		return err
	}
	s.texts = t
	return nil
}

// CAP renders a warning version as a CAP 1.2 alert, with one info block per language of the
// text templates (English first); its <web> is Config.Web's, or none.
func (s *Service) CAP(w *Warning) ([]byte, error) { return s.CAPAt(w, "") }

// CAPAt is CAP for a server whose public URL is base: without Config.Web, every <info> links to
// base/warnings/{identifier}.json, as Google Public Alerts' CAP profile requires a <web> in each.
func (s *Service) CAPAt(w *Warning, base string) ([]byte, error) {
	texts, err := s.texts.Render(w)
	if err != nil {
		return nil, err
	}
	texts[0].Headline = w.Headline // fixed when the version was issued, as in the JSON and the layer
	a := capAlert{Identifier: w.Identifier, Sender: s.cfg.Sender, Sent: capTime(w.Sent), Status: "Actual", MsgType: w.MsgType,
		Scope: "Public", References: strings.Join(w.References, " ")}
	web, contact := strings.ReplaceAll(s.cfg.Web, "{id}", url.PathEscape(w.Identifier)), s.cfg.Contact
	if web == "" && base != "" {
		web = base + "/warnings/" + url.PathEscape(w.Identifier) + ".json"
	}
	if contact == "" {
		contact = s.cfg.Sender
	}
	for _, t := range texts {
		info := s.capInfo(w, t)
		info.Web, info.Contact = web, contact
		a.Info = append(a.Info, info)
	}
	out, err := xml.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// capInfo is the info block of a warning version in one language.
func (s *Service) capInfo(w *Warning, t Text) capInfo {
	var poly []string
	for _, p := range w.Area {
		poly = append(poly, fmt.Sprintf("%.5f,%.5f", p[1], p[0]))
	}
	cat := w.Category
	info := capInfo{Language: t.Language, Category: "Met", Event: t.Event, ResponseType: cat.responseType(),
		Urgency: cat.urgency(), Severity: w.Severity, Certainty: w.Certainty, Onset: capTime(w.Reading.Observed),
		Expires: capTime(w.Expires), SenderName: s.cfg.SenderName, Headline: t.Headline, Description: t.Description,
		Instruction: t.Instruction,
		Parameters: append([]capValue{{"river", w.River}, {"station", w.StationName}, {"category", w.CategoryName},
			{"discharge_cusecs", fmt.Sprintf("%.0f", w.Reading.DischargeCusecs)}}, w.Impact.parameters()...),
		Area: capArea{AreaDesc: t.AreaDesc, Polygon: strings.Join(poly, " ")}}
	if cat == Normal {
		info.Urgency = "Past"
	}
	if w.Province != "" {
		info.Area.Geocode = []capValue{{"ISO3166-2", w.Province}}
	}
	return info
}
