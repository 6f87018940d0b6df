// Package schemas holds the JSON Schema (draft 2020-12) of Strata's YAML
// format: one schema for strata.yaml and every model file, with every key of
// DESIGN §3 and `additionalProperties: false` throughout, for editors and CI
// linters. The loader in model/ is the authority on what a project means; the
// schema describes its shape, and the tests check it against every example
// project and against broken files that the loader rejects.
//
// This package imports nothing of the project.
package schemas

import _ "embed"

// ModelSchema is strata.schema.json, the JSON Schema of strata.yaml and of
// model files.
//
//go:embed strata.schema.json
var ModelSchema []byte
