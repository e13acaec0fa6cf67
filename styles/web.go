package styles

import (
	"embed"
	"io/fs"
)

//go:embed web/static
var web embed.FS

// Web is the viewer's files (index.html, app.js, app.css, the vendored MapLibre GL JS, PMTiles and
// RTL text plugin), served by the HTTP layer under /map/.
func Web() fs.FS {
	sub, _ := fs.Sub(web, "web/static")
	return sub
}

func readWeb(name string) ([]byte, error) { return fs.ReadFile(Web(), name) }
