package httpapi

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/cpec-digital/indus/analytics"
	"github.com/cpec-digital/indus/data"
)

// hazardSelector reads ?hazard= (a kind or a hazard layer id), ?scenario= and ?horizon= (a year)
// of /risk/point and /risk/rank.
func hazardSelector(c *fiber.Ctx) (analytics.HazardSelector, error) {
	sel := analytics.HazardSelector{Hazard: strings.Clone(c.Query("hazard")), Scenario: strings.Clone(c.Query("scenario"))}
	if h := c.Query("horizon"); h != "" {
		y, err := strconv.Atoi(h)
		if err != nil || y < 1 {
			return sel, data.Invalid("bad horizon", fmt.Sprintf("%q is not a year", h))
		}
		sel.Horizon = y
	}
	return sel, nil
}
