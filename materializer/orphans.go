package materializer

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// DropOrphans drops the rollup tables in the state schema that no state row
// names: what a build killed between writing its table and recording it
// leaves behind, or a replaced version whose drop never ran. It must run only
// when no query is reading (at open): a replaced version kept for its readers
// is, by then, no one's. With minAge > 0 only tables built longer ago than
// that go (the build time is in the name), for engines that other processes
// share, whose builds and readers this process cannot see.
func (m *Materializer) DropOrphans(ctx context.Context, minAge time.Duration) ([]string, error) {
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
		if minAge > 0 {
			i := strings.LastIndexByte(name, '_')
			ns, err := strconv.ParseInt(name[i+1:], 10, 64)
			if err != nil || time.Since(time.Unix(0, ns)) < minAge {
				continue
			}
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
