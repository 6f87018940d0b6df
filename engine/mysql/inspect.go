package mysql

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/strata-metrics/strata/engine"
)

// ErrNoTable is returned by Columns for a table that does not exist or that
// the user may not read.
var ErrNoTable = errors.New("no such table")

// Columns reads a table's columns (name or schema.name) as the server types
// them, in portable names; ErrNoTable when the table is missing or not
// readable by this user.
func (d *DB) Columns(ctx context.Context, table string) ([]engine.Column, error) {
	res, err := d.Query(ctx, "SELECT * FROM "+quoteTable(table)+" LIMIT 0")
	if err != nil {
		var me *gomysql.MySQLError
		if errors.As(err, &me) {
			switch me.Number {
			case 1146, 1049, 1142: // no such table, no such database, SELECT denied
				return nil, fmt.Errorf("%w: %s", ErrNoTable, me.Message)
			}
		}
		return nil, err
	}
	return res.Columns, nil
}

// ConvertsTimeZone reports whether the server converts instants into the
// named zone: CONVERT_TZ returns NULL for a zone name when the server's time
// zone tables are not loaded.
func (d *DB) ConvertsTimeZone(ctx context.Context, zone string) (bool, error) {
	res, err := d.Query(ctx, "SELECT CONVERT_TZ(TIMESTAMP '2025-01-01 00:00:00', 'UTC', ?) IS NOT NULL", zone)
	if err != nil {
		return false, err
	}
	v := res.Rows[0][0]
	return v == int64(1) || v == true, nil
}

// ProbeWrites checks that the user may do what Strata does in the engine:
// create the state database and tables in it, and views (the sources) in the
// connection's database. It creates and drops probe objects; the state
// database is left in place.
func (d *DB) ProbeWrites(ctx context.Context, stateSchema string) error {
	probe := quoteTable(stateSchema + "._strata_doctor_probe")
	view := quoteIdent("_strata_doctor_probe")
	for _, s := range []string{
		"CREATE DATABASE IF NOT EXISTS " + quoteIdent(stateSchema),
		"CREATE TABLE IF NOT EXISTS " + probe + " (x INT)",
		"INSERT INTO " + probe + " VALUES (1)",
		"DROP TABLE " + probe,
		"CREATE OR REPLACE VIEW " + view + " AS SELECT 1 AS x",
		"DROP VIEW " + view,
	} {
		if err := d.Exec(ctx, s); err != nil {
			msg := err.Error()
			var ee *engine.Error
			if errors.As(err, &ee) {
				msg = ee.Err.Error()
			}
			return fmt.Errorf("%s: %s", strings.SplitN(s, " (", 2)[0], msg)
		}
	}
	return nil
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteTable(name string) string {
	if schema, t, ok := strings.Cut(name, "."); ok {
		return quoteIdent(schema) + "." + quoteIdent(t)
	}
	return quoteIdent(name)
}
