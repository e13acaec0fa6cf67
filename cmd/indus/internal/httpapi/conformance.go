package httpapi

// conformance is the one list of the OGC API conformance classes GET /conformance declares.
//
// Declared: OGC API - Features - Part 1: Core (collections, items with bbox, limit, offset and
// datetime — refused, see features.Query — one item by id), GeoJSON, and OpenAPI 3.0 (GET /api).
// Not declared: HTML (no HTML encoding of the data) and Part 2 (every collection is CRS84 only).
//
// The filter classes belong here once /collections/{id}/queryables and filter-lang=cql2-text on
// items are served (added at merge, not before):
//
//	http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables
//	http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters
//	http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter
//	http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter
//	http://www.opengis.net/spec/cql2/1.0/conf/cql2-text
//	http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2
func conformance() []string {
	return []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	}
}
