package warnings

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// CAP 1.2 (OASIS Common Alerting Protocol) document types.
type capAlert struct {
	XMLName    xml.Name `xml:"urn:oasis:names:tc:emergency:cap:1.2 alert"`
	Identifier string   `xml:"identifier"`
	Sender     string   `xml:"sender"`
	Sent       string   `xml:"sent"`
	Status     string   `xml:"status"`
	MsgType    string   `xml:"msgType"`
	Scope      string   `xml:"scope"`
	References string   `xml:"references,omitempty"`
	Info       capInfo  `xml:"info"`
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
	SenderName   string     `xml:"senderName"`
	Headline     string     `xml:"headline"`
	Description  string     `xml:"description"`
	Instruction  string     `xml:"instruction"`
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

// CAP renders a warning version as a CAP 1.2 alert.
func (s *Service) CAP(w *Warning) ([]byte, error) {
	var poly []string
	for _, p := range w.Area {
		poly = append(poly, fmt.Sprintf("%.5f,%.5f", p[1], p[0]))
	}
	cat := w.Category
	a := capAlert{Identifier: w.Identifier, Sender: s.cfg.Sender, Sent: capTime(w.Sent), Status: "Actual", MsgType: w.MsgType,
		Scope: "Public", References: strings.Join(w.References, " "),
		Info: capInfo{Language: "en-US", Category: "Met", Event: "Riverine flood", ResponseType: cat.responseType(),
			Urgency: cat.urgency(), Severity: w.Severity, Certainty: w.Certainty, Onset: capTime(w.Reading.Observed),
			Expires: capTime(w.Expires), SenderName: "Indus flood warnings (Digital CPEC Platform)", Headline: w.Headline,
			Description: fmt.Sprintf("%s: discharge %s cusecs at %s on the %s, observed %s. Category %s.",
				w.MsgType, thousands(w.Reading.DischargeCusecs), w.StationName, w.River, capTime(w.Reading.Observed), w.CategoryName),
			Instruction: cat.instruction(),
			Parameters: []capValue{{"river", w.River}, {"station", w.StationName}, {"category", w.CategoryName},
				{"discharge_cusecs", fmt.Sprintf("%.0f", w.Reading.DischargeCusecs)}},
			Area: capArea{AreaDesc: w.AreaDesc, Polygon: strings.Join(poly, " ")}}}
	if cat == Normal {
		a.Info.Urgency = "Past"
	}
	if w.Province != "" {
		a.Info.Area.Geocode = []capValue{{"ISO3166-2", w.Province}}
	}
	out, err := xml.MarshalIndent(a, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
