package gdal

/*
#cgo pkg-config: gdal
#include <cpl_error.h>
#include <gdal.h>

#include <gdal_alg.h>

static void indus_quiet(void) { CPLSetErrorHandler(CPLQuietErrorHandler); }

static int indus_polygonize(void *band, void *layer) {
	return (int)GDALPolygonize((GDALRasterBandH)band, (GDALRasterBandH)band, (OGRLayerH)layer, 0, NULL, NULL, NULL);
}
*/
import "C"

import (
	"errors"
	"strings"
	"unsafe"

	godal "github.com/lukeroth/gdal"
)

// polygonize runs GDALPolygonize with the band as its own mask (cells of class 0 make no polygon),
// writing the class into field 0 of layer. The binding's wrapper passes a Go closure through C,
// which the cgo pointer rules forbid, so this calls GDAL directly with the binding's raw handles
// (each binding handle type is a struct holding one C pointer).
func polygonize(band godal.RasterBand, layer godal.Layer) error {
	b := *(*unsafe.Pointer)(unsafe.Pointer(&band))
	l := *(*unsafe.Pointer)(unsafe.Pointer(&layer))
	if b == nil || l == nil {
		return errors.New("polygonize: nil handle")
	}
	if C.indus_polygonize(b, l) != C.CE_None {
		return gdalErr("polygonizing", nil)
	}
	return nil
}

// GDAL keeps its last error in thread-local state, so the helpers below are only meaningful on the
// locked OS thread of a worker (see pool.go).

func init() {
	// GDAL prints errors to stderr by default; Indus reports them through returned errors instead.
	C.indus_quiet()
}

// resetError clears the calling thread's last GDAL error before a call whose failure we want to
// explain (the binding's Open returns a generic message and drops GDAL's own).
func resetError() { C.CPLErrorReset() }

// lastError returns GDAL's last error message on this thread, or "" if there was none.
func lastError() string {
	if C.CPLGetLastErrorType() == C.CE_None {
		return ""
	}
	return strings.TrimSpace(C.GoString(C.CPLGetLastErrorMsg()))
}

// The handle types must stay one pointer wide for polygonize's conversion to be sound.
var (
	_ [unsafe.Sizeof(godal.RasterBand{}) - unsafe.Sizeof(uintptr(0))]struct{}
	_ [unsafe.Sizeof(uintptr(0)) - unsafe.Sizeof(godal.Layer{})]struct{}
)
