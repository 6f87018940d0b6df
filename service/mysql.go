package service

import (
	"context"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/mysql"
	"github.com/strata-metrics/strata/model"
)

// The MySQL-protocol engines: MySQL 8 and MariaDB 10.11 speak the mysql
// dialect; StarRocks and Doris the starrocks one. All are reached through
// engine.dsn, whose ${VAR}s come from the environment.
func init() {
	for _, t := range []string{model.EngineMySQL, model.EngineStarRocks, model.EngineDoris} {
		registerOpener(t, openMySQL)
	}
}

func openMySQL(ctx context.Context, cfg model.EngineConfig, _ string, _ int) (engine.Engine, sqlgen.Dialect, error) {
	d, err := sqlgen.ForEngine(cfg.Type)
	if err != nil {
		return nil, nil, err
	}
	dsn, err := cfg.ExpandDSN()
	if err != nil {
		return nil, nil, err
	}
	db, err := mysql.Open(ctx, mysql.Config{
		DSN:          dsn,
		Dialect:      cfg.Type,
		MaxOpenConns: cfg.MaxConnections,
		QueryTimeout: cfg.QueryTimeout,
		TLSCAFile:    cfg.TLSCA,
	})
	if err != nil {
		return nil, nil, err
	}
	return db, d, nil
}

// conform gives each value its column's compiled type where the engine's own
// differs (engine.Conform: MySQL's 0/1 booleans, DECIMAL sums and quotients).
func conform(r *Result) {
	types := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		types[i] = c.Type
	}
	engine.Conform(r.Rows, types)
}
