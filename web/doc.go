// Package web embeds the explorer page: the bundle built from web/src by
// `make web` (esbuild) and committed under web/dist, so that the binary serves
// the page with no Node at build or run time.
//
// It imports nothing of Strata's; api/ mounts Handler at `/`. The page talks
// to the DataAPI under /v1 like any dashboard. dist/SOURCE_HASH records the
// hash of the sources the bundle was built from; a test recomputes it, so a
// bundle older than its sources fails the build.
package web
