package materializer

import (
	"context"
	"strings"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// DropOrphans drops the rollup tables in the state schema that no state row
// names: what a build killed between writing its table and recording it
// leaves behind, or a replaced version whose drop never ran. It must run only
// when no query is reading (at open): a replaced version kept for its readers
// is, by then, no one's. Hazard: on an engine that several strata processes
// share, another process's build in progress or replaced version still being
// read is an orphan from here; run one builder per shared engine.
func (m *Materializer) DropOrphans(ctx context.Context) ([]string, error) {
	has, err := m.HasState(ctx)
	if err != nil || !has {
		return nil, err
	}
	rows, err := m.Recorded(ctx)
	if err != nil {
		return nil, err
	}
	live := map[string]bool{}
	for _, r := range rows {
		if r.Status.Table != "" {
			live[r.Status.Table] = true
		}
	}
	res, err := m.Engine.Query(ctx, sqlgen.ListStateTables(m.Dialect))
	if err != nil {
		return nil, engine.Clean(err)
	}
	var dropped []string
	for _, row := range res.Rows {
		name, _ := row[0].(string)
		full := sqlgen.StateSchema + "." + name
		if !strings.HasPrefix(name, sqlgen.RollupTablePrefix) || live[full] || live[keyTableOf(full)] {
			continue
		}
		if err := m.exec(ctx, sqlgen.DropTable(m.Dialect, full)); err != nil {
			return dropped, err
		}
		dropped = append(dropped, full)
	}
	return dropped, nil
}

// keyTableOf is the version table a key table (rollup.KeyTable) belongs to,
// or "" for a name that is not one.
func keyTableOf(name string) string {
	i := strings.LastIndex(name, "_k")
	if i < 0 || i+2 == len(name) || strings.Trim(name[i+2:], "0123456789") != "" {
		return ""
	}
	return name[:i]
}

// DropVersion drops a rollup version's table and its key tables.
func (m *Materializer) DropVersion(ctx context.Context, table string) error {
	for _, t := range append(m.keyTables(ctx, table), table) {
		if err := m.exec(ctx, sqlgen.DropTable(m.Dialect, t)); err != nil {
			return err
		}
	}
	return nil
}
