package httpapi

// conformance is the one list of the OGC API conformance classes GET /conformance declares.
//
// Declared: OGC API - Features - Part 1: Core (collections, items with bbox, limit, offset and
// datetime — refused, see features.Query — one item by id), GeoJSON, and OpenAPI 3.0 (GET /api).
// Not declared: HTML (no HTML encoding of the data) and Part 2 (every collection is CRS84 only).
//
// Part 3 (Filtering): queryables (/collections/{id}/queryables, linked from each collection),
// queryables as query parameters (field=value on items), filter and features-filter (filter,
// filter-lang and filter-crs on items, ANDed with the other filters). CQL2 (data/filter): the text
// encoding; Basic CQL2; LIKE, BETWEEN and IN; S_INTERSECTS with every spatial literal (points and
// bboxes, and lines, polygons, their multi forms and collections: "plus"); literals and properties
// on either side (property-property). Not declared: CQL2 JSON, CASEI and ACCENTI, the other
// spatial functions, temporal and array functions, functions, arithmetic.
func conformance() []string {
	return []string{
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
		"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
		"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
		"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
		"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
		"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
		"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
		"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
		"http://www.opengis.net/spec/cql2/1.0/conf/property-property",
	}
}
