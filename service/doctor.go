package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/strata-metrics/strata/compiler/logical"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/mysql"
	"github.com/strata-metrics/strata/model"
)

// Check is one finding of Doctor: what was checked, whether it passed, and
// for a problem how to fix it.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// Doctor checks that the project's engine can serve it: the connection, the
// server's version, the privileges Strata needs, every source table with its
// declared columns and compatible types, and time zone support. It never
// stops at the first problem. The embedded DuckDB engine needs no server:
// for it the source files' columns and types and the time zones are checked
// (doctorDuckDB).
func Doctor(ctx context.Context, cat *logical.Catalog) []Check {
	p := cat.Project
	if !p.Engine.Remote() {
		return doctorDuckDB(ctx, p)
	}
	var out []Check
	eng, _, err := openMySQL(ctx, p.Engine, "", 0)
	if err != nil {
		return append(out, Check{Name: "connection", Detail: err.Error(),
			Fix: "check engine.dsn in strata.yaml (user:password@tcp(host:port)/database, secrets as ${VAR} from the environment) and that the server accepts connections from this host"})
	}
	defer eng.Close()
	db := eng.(*mysql.DB)
	out = append(out, Check{Name: "connection", OK: true, Detail: p.Engine.Type + " server answers"})
	out = append(out, versionCheck(ctx, db, p.Engine.Type))
	if err := db.ProbeWrites(ctx, sqlgen.StateSchema); err != nil {
		out = append(out, Check{Name: "privileges", Detail: "the user cannot run " + err.Error(),
			Fix: fmt.Sprintf("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER ON `%s`.* TO the user; GRANT SELECT, CREATE VIEW, DROP ON the DSN's database and SELECT on every source's database", sqlgen.StateSchema)})
	} else {
		out = append(out, Check{Name: "privileges", OK: true, Detail: "may create the state database " + sqlgen.StateSchema + ", tables in it, and source views"})
	}
	for _, t := range p.Tables {
		out = append(out, sourceCheck(ctx, db, t))
	}
	zones := []string{p.Timezone}
	for _, t := range p.Tables {
		if t.Timezone != "" && t.Timezone != p.Timezone {
			zones = append(zones, t.Timezone)
		}
	}
	for _, z := range zones {
		if z == "UTC" {
			continue
		}
		ok, err := db.ConvertsTimeZone(ctx, z)
		switch {
		case err != nil:
			out = append(out, Check{Name: "time zone " + z, Detail: engine.Clean(err).Error()})
		case !ok:
			out = append(out, Check{Name: "time zone " + z, Detail: "CONVERT_TZ(…, 'UTC', '" + z + "') is NULL: the server's time zone tables are not loaded, so every time grain would be NULL",
				Fix: "load them: mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb -u root mysql (MySQL: mysql_tzinfo_to_sql /usr/share/zoneinfo | mysql -u root mysql)"})
		default:
			out = append(out, Check{Name: "time zone " + z, OK: true, Detail: "CONVERT_TZ knows " + z})
		}
	}
	return out
}

var versionRe = regexp.MustCompile(`^(\d+)\.(\d+)`)

// versionCheck reads the server's version. Strata's mysql SQL needs window
// functions and WITH: MySQL 8.0 or MariaDB 10.6 (the oldest maintained).
func versionCheck(ctx context.Context, db *mysql.DB, engineType string) Check {
	v, err := db.ServerVersion(ctx)
	if err != nil {
		return Check{Name: "version", Detail: engine.Clean(err).Error()}
	}
	c := Check{Name: "version", OK: true, Detail: v}
	if engineType != model.EngineMySQL {
		return c
	}
	m := versionRe.FindStringSubmatch(v)
	if m == nil {
		return c
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	maria := strings.Contains(strings.ToLower(v), "mariadb")
	if maria && (major < 10 || major == 10 && minor < 6) || !maria && major < 8 {
		c.OK = false
		c.Fix = "upgrade to MySQL 8.0 or MariaDB 10.6 or later: Strata's SQL uses window functions and WITH"
	}
	return c
}

// sourceCheck checks that a table's source exists with its declared columns
// and types the declared ones can be read as.
func sourceCheck(ctx context.Context, db *mysql.DB, t *model.Table) Check {
	src := t.Source.Value
	if src == "" {
		src = t.Name
	}
	name := "source " + t.Name
	if strings.Contains(src, "/") || strings.HasSuffix(strings.ToLower(src), ".parquet") || strings.HasSuffix(strings.ToLower(src), ".csv") {
		return Check{Name: name, Detail: "source " + src + " is a file; a " + "MySQL-protocol server reads tables",
			Fix: "load the file into a table and set source: to that table (schema.table)"}
	}
	cols, err := db.Columns(ctx, src)
	if errors.Is(err, mysql.ErrNoTable) {
		return Check{Name: name, Detail: fmt.Sprintf("table %s: %v", src, err),
			Fix: fmt.Sprintf("create %s, grant SELECT on it, or point tables[%s].source at the table that holds the data", src, t.Name)}
	}
	if err != nil {
		return Check{Name: name, Detail: engine.Clean(err).Error()}
	}
	have := map[string]string{}
	for _, c := range cols {
		have[strings.ToLower(c.Name)] = c.Type
	}
	return columnCheck(name, src, t, have)
}

// columnCheck compares a source's columns (lower-cased name → engine type)
// with the table's declared ones: each missing or incompatible column is a
// problem with its fix.
func columnCheck(name, src string, t *model.Table, have map[string]string) Check {
	var problems, fixes []string
	for _, c := range t.Columns {
		got, ok := have[strings.ToLower(c.Name)]
		if !ok {
			problems = append(problems, fmt.Sprintf("no column %s", c.Name))
			fixes = append(fixes, fmt.Sprintf("add %s to %s or remove it from the table's columns", c.Name, src))
			continue
		}
		if !compatible(c.Type, got) {
			problems = append(problems, fmt.Sprintf("column %s is %s, declared %s", c.Name, got, c.Type))
			fixes = append(fixes, fmt.Sprintf("declare %s as %s, or change the column's type", c.Name, got))
		}
	}
	if len(problems) > 0 {
		return Check{Name: name, Detail: src + ": " + strings.Join(problems, "; "), Fix: strings.Join(fixes, "; ")}
	}
	return Check{Name: name, OK: true, Detail: fmt.Sprintf("%s has the %d declared columns", src, len(t.Columns))}
}

// compatible says whether a column the server types as got reads as the
// declared type without changing any answer: integers as wider integers,
// decimals at the declared scale, MySQL's BOOLEAN (a TINYINT) as boolean.
func compatible(declared model.Type, got string) bool {
	ints := map[string]int{"tinyint": 1, "smallint": 2, "integer": 4, "bigint": 8}
	g := strings.ToLower(got)
	switch declared.Base {
	case "tinyint", "smallint", "integer", "bigint":
		w, ok := ints[g]
		return ok && w <= ints[declared.Base]
	case "boolean":
		return g == "tinyint" || g == "boolean"
	case "decimal":
		var p, s int
		if _, err := fmt.Sscanf(g, "decimal(%d,%d)", &p, &s); err != nil {
			_, isInt := ints[g]
			return isInt && declared.Scale == 0
		}
		return s == declared.Scale && p <= declared.Precision
	case "double", "float":
		return g == "double" || g == "float"
	case "varchar":
		return g == "varchar"
	case "date":
		return g == "date"
	case "timestamp", "timestamptz":
		return g == "timestamp"
	}
	return false
}

// missingFile is the path of a file source that does not exist, or "".
func missingFile(p *model.Project, src string) string {
	low := strings.ToLower(src)
	if !strings.HasSuffix(low, ".parquet") && !strings.HasSuffix(low, ".csv") && !strings.HasSuffix(low, ".tsv") {
		return ""
	}
	full := src
	if !filepath.IsAbs(full) {
		full = filepath.Join(p.Dir, src)
	}
	if _, err := os.Stat(full); err != nil {
		return src
	}
	return ""
}
