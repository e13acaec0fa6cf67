package httpapi

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/data"
)

// Glyphs answers the glyph ranges of map labels (styles/glyphs.Set): the glyphs PBF of a fontstack
// (a comma list of font names) over a range ("0-255") and an ETag naming its bytes; an unknown
// font or a range without glyphs is data.KindNotFound, a bad range data.KindInvalid.
type Glyphs interface {
	Range(fontstack, rng string) (pbf []byte, etag string, err error)
}

// glyphCacheControl lets browsers keep glyphs a day: they change only with a new release of the
// fonts, and the ETag revalidates them then.
const glyphCacheControl = "public, max-age=86400"

// glyphs serves GET /fonts/{fontstack}/{start}-{end}.pbf, the style's glyphs URL.
func (s *Server) glyphs(c *fiber.Ctx) error {
	if s.cfg.Glyphs == nil {
		return data.Errorf(data.KindNotFound, "no fonts are served")
	}
	stack, err := url.PathUnescape(c.Params("fontstack"))
	if err != nil {
		return data.Errorf(data.KindInvalid, "bad fontstack %q: %v", c.Params("fontstack"), err)
	}
	pbf, etag, err := s.cfg.Glyphs.Range(strings.Clone(stack), strings.Clone(c.Params("range")))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, glyphCacheControl)
	c.Set(fiber.HeaderETag, etag)
	if matchETag(c.Get(fiber.HeaderIfNoneMatch), etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, "application/x-protobuf")
	return c.Send(pbf)
}
