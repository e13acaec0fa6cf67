package httpapi

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/cpec-digital/indus/analytics/warnings"
	"github.com/cpec-digital/indus/data"
	"github.com/cpec-digital/indus/data/geo"
)

func (s *Server) warningsOff() error {
	return data.Errorf(data.KindNotFound, "flood warnings are not enabled on this server")
}

// postReadings serves POST /warnings/readings: one reading or an array (warnings.ParseReadings).
func (s *Server) postReadings(c *fiber.Ctx) error {
	if s.warn == nil {
		return s.warningsOff()
	}
	batch, err := warnings.ParseReadings(c.Body())
	if err != nil {
		return err
	}
	res, err := s.warn.SubmitContext(c.UserContext(), batch)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusOK).JSON(fiber.Map{"accepted": res})
}

// getReadings serves GET /warnings/readings?station=&limit= (station required).
func (s *Server) getReadings(c *fiber.Ctx) error {
	if s.warn == nil {
		return s.warningsOff()
	}
	limit, err := intParam(c, "limit", 100, 1, 10000)
	if err != nil {
		return err
	}
	station := strings.Clone(c.Query("station"))
	if station == "" {
		return data.Invalid("station is required", "give ?station=, a station id of the gauges layer such as SKR")
	}
	if err := warnings.CheckStation(station); err != nil {
		return err
	}
	rs, err := s.warn.Readings(station, limit)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"station": station, "readings": rs})
}

type warningJSON struct {
	*warnings.Warning
	Area *geojson.Geometry `json:"area"`
	Cap  string            `json:"cap"`
}

func (s *Server) warningJSON(c *fiber.Ctx, w *warnings.Warning) warningJSON {
	return warningJSON{Warning: w, Area: geojson.NewGeometry(orb.Polygon{w.Area}), Cap: s.baseURL(c) + "/warnings/" + w.Identifier + ".cap"}
}

// listWarnings serves GET /warnings?status=active|cancelled|all&bbox=.
func (s *Server) listWarnings(c *fiber.Ctx) error {
	if s.warn == nil {
		return s.warningsOff()
	}
	status := c.Query("status", "all")
	switch status {
	case "all":
		status = ""
	case "active", "cancelled":
	default:
		return data.Invalid("bad status", "want active, cancelled or all")
	}
	var rects []orb.Bound // nil: everywhere
	if q := c.Query("bbox"); q != "" {
		bb, err := parseBBox(q)
		if err != nil {
			return err
		}
		rects = bb.Bounds()
	}
	out := []warningJSON{}
	for _, w := range s.warn.List(strings.Clone(status), nil) {
		if rects == nil || slices.ContainsFunc(rects, w.Area.Bound().Intersects) {
			out = append(out, s.warningJSON(c, w))
		}
	}
	return c.JSON(fiber.Map{"warnings": out})
}

// getWarning serves GET /warnings/{id}.cap and /warnings/{id}.json (id: episode or CAP identifier).
func (s *Server) getWarning(c *fiber.Ctx) error {
	if s.warn == nil {
		return s.warningsOff()
	}
	file := strings.Clone(c.Params("file"))
	var id, ext string
	switch {
	case strings.HasSuffix(file, ".cap"):
		id, ext = strings.TrimSuffix(file, ".cap"), "cap"
	case strings.HasSuffix(file, ".json"):
		id, ext = strings.TrimSuffix(file, ".json"), "json"
	default:
		return data.Errorf(data.KindNotFound, "no route for %s (use /warnings/{id}.cap or .json)", c.Path())
	}
	w, ok := s.warn.Get(id)
	if !ok {
		return data.Errorf(data.KindNotFound, "no warning %q", id)
	}
	if ext == "json" {
		return c.JSON(s.warningJSON(c, w))
	}
	b, err := s.warn.CAPAt(w, s.baseURL(c))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/cap+xml; charset=utf-8")
	return c.Send(b)
}

// atomFeed serves GET /warnings.atom: an Atom 1.0 feed of the current and recently cancelled
// warnings, with an ETag (a hash of the feed) that If-None-Match revalidates (304).
func (s *Server) atomFeed(c *fiber.Ctx) error {
	if s.warn == nil {
		return s.warningsOff()
	}
	b, err := s.warn.Atom(s.baseURL(c))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(b)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	if matchETag(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	return c.Send(b)
}

// stream serves GET /warnings/stream?bbox=w,s,e,n or ?area=<GeoJSON polygon>: Server-Sent Events
// "enter", "update", "exit" (and "reset"), with a heartbeat comment and Last-Event-ID resume.
func (s *Server) stream(c *fiber.Ctx) error {
	if s.warn == nil {
		return s.warningsOff()
	}
	area, err := parseArea(c.Query("bbox"), c.Query("area"))
	if err != nil {
		return err
	}
	var last *uint64
	if h := c.Get("Last-Event-ID"); h != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(h), 10, 64)
		if err != nil {
			return data.Invalid("bad Last-Event-ID", "want the id of the last event received")
		}
		last = &n
	}
	sub, backlog := s.warn.Subscribe(area, last)
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.warn.Hub().Unsubscribe(sub)
		s.sendEvents(w, sub, backlog)
	})
	return nil
}

// sendEvents writes the backlog, then every event of sub with a heartbeat comment between them,
// until the client goes away or the subscriber is dropped (after delivering what is buffered:
// the client then reconnects with Last-Event-ID).
func (s *Server) sendEvents(w *bufio.Writer, sub *warnings.Subscriber, backlog []warnings.Event) {
	fmt.Fprintf(w, "retry: 2000\n: subscribed\n\n")
	if w.Flush() != nil {
		return
	}
	for _, ev := range backlog {
		if s.writeEvent(w, ev) != nil {
			return
		}
	}
	tick := time.NewTicker(s.cfg.Heartbeat)
	defer tick.Stop()
	for {
		select {
		case ev := <-sub.C:
			if s.writeEvent(w, ev) != nil {
				return
			}
		case <-sub.Done:
			for {
				select {
				case ev := <-sub.C:
					if s.writeEvent(w, ev) != nil {
						return
					}
				default:
					s.sayShutdown(w)
					return
				}
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": heartbeat\n\n"); err != nil || w.Flush() != nil {
				return
			}
		}
	}
}

// sayShutdown ends a stream cut by the server's shutdown with a last event, "shutdown", telling
// the client to reconnect (to another replica, or to this one once it is back) with Last-Event-ID.
func (s *Server) sayShutdown(w *bufio.Writer) {
	if s.closed.Load() {
		w.WriteString("event: shutdown\ndata: {\"reason\":\"the server is shutting down\",\"reconnect\":true}\n\n")
		w.Flush()
	}
}

// writeEvent writes one event; its JSON is encoded once for every subscriber of the same change,
// so links use the configured public URL rather than each request's host.
func (s *Server) writeEvent(w *bufio.Writer, ev warnings.Event) error {
	fmt.Fprintf(w, "id: %d\nevent: %s\n", ev.ID, ev.Type)
	if ev.Warning == nil {
		fmt.Fprint(w, "data: {}\n\n")
		return w.Flush()
	}
	b := ev.Encode(func(wn *warnings.Warning) []byte {
		b, _ := encodeJSON(warningJSON{Warning: wn, Area: geojson.NewGeometry(orb.Polygon{wn.Area}),
			Cap: s.cfg.PublicURL + "/warnings/" + wn.Identifier + ".cap"})
		return b
	})
	w.WriteString("data: ")
	w.Write(b)
	w.WriteString("\n\n")
	return w.Flush()
}

// validArea reports why polygons are not a valid area: rings of under 4 points or not closed,
// rings that cross themselves (a bow-tie) or each other, holes outside their shell (geo.Validate).
func validArea(mp orb.MultiPolygon) error {
	for i, p := range mp {
		for j, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				return fmt.Errorf("ring %d of polygon %d: a ring needs at least 4 points, the last equal to the first", j+1, i+1)
			}
		}
	}
	if err := geo.Validate(mp); err != nil {
		return fmt.Errorf("%v (self-intersecting or overlapping rings are not accepted)", err)
	}
	return nil
}

func parseArea(bbox, area string) (warnings.Area, error) {
	switch {
	case bbox != "" && area != "":
		return warnings.Area{}, data.Invalid("give bbox or area", "not both")
	case bbox != "":
		b, err := parseBBox(bbox)
		if err != nil || !b.Crosses() {
			return warnings.Area{Bound: b.Bounds()[0]}, err
		}
		rects := b.Bounds()
		return warnings.Area{Bound: rects[0].Union(rects[1]), Polygon: orb.MultiPolygon{rects[0].ToPolygon(), rects[1].ToPolygon()}}, nil
	case area != "":
		if !json.Valid([]byte(area)) {
			return warnings.Area{}, data.Invalid("bad area", "want a GeoJSON Polygon or MultiPolygon: not JSON")
		}
		g, err := geo.DecodeGeometry([]byte(area))
		if err != nil {
			return warnings.Area{}, data.Invalid("bad area", "want a GeoJSON Polygon or MultiPolygon: "+err.Error())
		}
		mp := geo.Polygons(g)
		if mp == nil {
			return warnings.Area{}, data.Invalid("bad area", "want a GeoJSON Polygon or MultiPolygon")
		}
		if len(mp) == 0 || len(mp[0]) == 0 || geo.CheckLonLat(mp) != nil {
			return warnings.Area{}, data.Invalid("bad area", "empty or out of lon/lat range")
		}
		if err := validArea(mp); err != nil {
			return warnings.Area{}, data.Invalid("bad area", err.Error())
		}
		return warnings.Area{Bound: mp.Bound(), Polygon: mp}, nil
	}
	return warnings.Area{Bound: orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}}, nil
}
