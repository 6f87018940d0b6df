package service

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/materializer/partition"
	"github.com/strata-metrics/strata/model"
)

// doctorDuckDB checks an embedded project: each source file exists and, read
// by a throwaway in-memory DuckDB from its footer or header only (DESCRIBE),
// has every declared column with a type the declared one reads as; and the
// project's time zones are known to DuckDB's ICU. Nothing is written to the
// project's warehouse.
func doctorDuckDB(ctx context.Context, p *model.Project) []Check {
	out := []Check{{Name: "engine", OK: true, Detail: "embedded duckdb: nothing to connect to"}}
	db, err := duckdb.Open("", 1)
	if err != nil {
		return append(out, Check{Name: "engine", Detail: "cannot start an in-memory DuckDB: " + err.Error()})
	}
	defer db.Close()
	d := sqlgen.DuckDB{}
	for _, t := range p.Tables {
		out = append(out, fileSourceCheck(ctx, db, d, p, t))
	}
	for _, z := range projectZones(p) {
		if _, err := time.LoadLocation(z); err != nil {
			out = append(out, Check{Name: "time zone " + z, Detail: "unknown time zone: " + err.Error(), Fix: "use an IANA zone name such as Asia/Shanghai"})
			continue
		}
		out = append(out, Check{Name: "time zone " + z, OK: true, Detail: "known to the embedded engine"})
	}
	return out
}

func projectZones(p *model.Project) []string {
	zones := []string{p.Timezone}
	for _, t := range p.Tables {
		if t.Timezone != "" && t.Timezone != p.Timezone {
			zones = append(zones, t.Timezone)
		}
	}
	return zones
}

// fileSourceCheck checks one table's file source; a source naming a table
// of the warehouse is only named.
func fileSourceCheck(ctx context.Context, db *duckdb.DB, d sqlgen.DuckDB, p *model.Project, t *model.Table) Check {
	name := "source " + t.Name
	src := t.Source.Value
	if missing := missingFile(p, src); missing != "" {
		return Check{Name: name, Detail: missing + " does not exist", Fix: "generate or copy the file there, or point the table's source: at it"}
	}
	path := src
	if partition.IsPattern(src) {
		files, err := partition.List(p.Dir, src)
		if err != nil || len(files) == 0 {
			return Check{Name: name, Detail: "no file matches " + src, Fix: "generate or copy the files there, or point the table's source: at them"}
		}
		path = partition.Glob(src)
	}
	low := strings.ToLower(path)
	if !strings.HasSuffix(low, ".parquet") && !strings.HasSuffix(low, ".csv") && !strings.HasSuffix(low, ".tsv") {
		return Check{Name: name, OK: true, Detail: src + " (a table of the warehouse)"}
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.Dir, path)
	}
	from, err := d.FileSource(path)
	if err != nil {
		return Check{Name: name, Detail: err.Error()}
	}
	res, err := db.Query(ctx, sqlgen.DescribeSource(from))
	if err != nil {
		msg := strings.ReplaceAll(engine.Clean(err).Error(), p.Dir+string(filepath.Separator), "")
		return Check{Name: name, Detail: src + " cannot be read: " + msg, Fix: "rewrite the file, or point the table's source: at a readable one"}
	}
	have := map[string]string{}
	for _, r := range res.Rows {
		col, _ := r[0].(string)
		typ, _ := r[1].(string)
		have[strings.ToLower(col)] = duckdbTypeName(typ)
	}
	return columnCheck(name, src, t, have)
}

// duckdbTypeName maps DuckDB's type names onto the ones compatible reads.
func duckdbTypeName(t string) string {
	t = strings.ToLower(t)
	switch {
	case strings.HasPrefix(t, "timestamp"):
		return "timestamp" // TIMESTAMP, _NS, _MS, _S and WITH TIME ZONE
	}
	return t
}
