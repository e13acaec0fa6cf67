// Package pmtiles writes and reads PMTiles v3 archives (github.com/protomaps/PMTiles,
// spec/v3/spec.md): one file holding a 127-byte header, a root directory within the first
// 16 KiB, JSON metadata, optional leaf directories and the tile data.
//
// A Writer takes tiles in increasing tile id order (TileID: zoom by zoom, each zoom along its
// Hilbert curve) and writes a clustered archive with gzip-compressed directories and metadata,
// storing identical tiles once and folding consecutive identical tiles into runs. Its memory
// grows with the number of directory entries, not with tile bytes.
//
// A Reader answers tile lookups from any Source of byte ranges (a local file, an HTTP server
// that honours Range), checking every length and offset it is given, and keeps recently used
// leaf directories in a small cache.
package pmtiles
