// Package fibre plans the roll-out of optical fibre to villages: which unconnected villages to
// connect next, in what order, from where, and with how much new cable.
//
// # Objective
//
// The network grows greedily, like Prim's algorithm, from its connection points: every connected
// village and, when Options.Weights["backbone"] is 1, every backbone line (a CPEC route). While
// fewer than Options.Target villages are connected, the planner connects the unconnected village v
// with the largest value per cable km,
//
//	value(v) / cable(v),  value(v) = population(v) × (1 + w_flood × exposure(v)),
//	                      cable(v) = route factor × d(v),
//
// where d(v) is the great-circle distance (km, geo.DistanceKm) from v to its nearest connection
// point; for a line that is the distance to the nearest point of any of its segments, each segment
// being the minor great-circle arc between its two vertices (computed exactly on the sphere). The
// cable runs from that point to v, and v becomes a connection point itself. A village at distance
// 0 has infinite value per km. Ties in value per km go to the smaller village id; a tie between
// nearest connection points goes to a village before a line, then to the smaller village id or
// line index, then to the point that was connected first. The same input, in any order, gives the
// same plan.
//
// Flood exposure is the annual probability of the most frequent flood zone the village lies in,
// relative to that of the 10-year flood: 10/T for a T-year zone, so 1 in the 10-year zone, 0.4 in
// the 25-year zone only, 0.1 in the 100-year zone only and 0 outside every zone (FloodExposure).
// With w_flood = 1.5 a person in the 10-year zone counts 2.5 times one outside any zone.
//
// The route factor (default 1.3) turns great-circle km into cable km: the usual planning allowance
// for cable that follows roads and terrain instead of great circles. It scales every candidate
// alike, so it changes cable km but not the order.
//
// With w_flood = 0 and equal populations, the plan is Prim's algorithm started from the connected
// villages contracted into one node: its cable km is the weight of a minimum spanning tree of the
// final set of villages, with the initially connected ones joined at no cost, times the route
// factor. Otherwise it is a greedy heuristic (value per km), not an optimum.
//
// # Exact nearest connection points
//
// The nearest connection point of every unconnected village is exact at every step. At the start
// it is found among the connected villages and the backbone segments by R-tree searches in a box
// that holds the spherical cap of radius r around the village, doubling r until the nearest item
// found is within r: every item outside the box is then farther, and every item at the same
// distance was found. Afterwards only a newly connected village i can change it: i becomes the
// nearest connection point of village j exactly when d(i, j) < best(j). An R-tree over the
// unconnected villages stores for each village j a reach box that holds the spherical cap of
// radius r(j) ≥ best(j) around j (the exact bounding box of the cap, slightly enlarged against
// rounding). A point query at i returns every j whose reach box holds i: a superset of those with
// d(i, j) < best(j), each of which is then checked exactly. A reach box is rebuilt for the new
// best(j) once best(j) has halved: boxes stay within twice the radius needed, at one rebuild per
// halving.
//
// # Output
//
// Plan returns the steps in build order (village, phase, link, new cable km, population, flood
// return period and class, running totals) and a Summary that includes the share of the 100-year
// flood zone's population in connected villages before and after the plan. Rollout.WriteCSV and
// Rollout.WriteGeoJSON export it.
package fibre
