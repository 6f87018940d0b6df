package materializer

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// A deployment plan: what a refresh would do to the stored rollups.
//
// Algorithm:
//  1. A rollup of the model with no stored version is built ("new rollup").
//  2. One whose stored definition hash differs is rebuilt; the reasons come
//     from comparing, line by line, the definition text stored with its
//     version (rollup.Describe) with the model's: each changed measure,
//     field, source, time grain or time zone is named with its old and new
//     form. A version stored before definitions were kept says only that
//     the definition changed.
//  3. One whose sources changed since its build is refreshed (its stale
//     partitions, when it is partitioned).
//  4. A stored rollup the model no longer has is dropped.
//  5. Each build, rebuild or refresh names the rollup it would read from
//     (the lattice, lattice.go step 2), as the refresh then reports it: a
//     finer rollup it derives from exactly that is current now, or that
//     this plan builds (a refresh builds finer rollups first); of those the
//     one with the fewest rows recorded (one never built counts last).
//     None: the raw tables, and From is empty.

// PlanStep is one action of a plan.
type PlanStep struct {
	Action  string   `json:"action"` // build | rebuild | refresh | drop
	Rollup  string   `json:"rollup"`
	Reasons []string `json:"reasons"`
	// From is the rollup the build would read (step 5); "" for the raw
	// tables and for a drop.
	From string `json:"built_from,omitempty"`
}

// Plan compares the model with the stored state; it writes nothing.
func (m *Materializer) Plan(ctx context.Context) ([]PlanStep, error) {
	st, err := m.Status(ctx)
	if err != nil {
		return nil, err
	}
	defs := map[string]string{}
	if ok, err := m.tableExists(ctx, "definitions"); err != nil {
		return nil, engine.Clean(err)
	} else if ok {
		res, err := m.Engine.Query(ctx, sqlgen.ReadDefinitions(m.Dialect))
		if err != nil {
			return nil, engine.Clean(err)
		}
		for _, row := range res.Rows {
			name, _ := row[0].(string)
			text, _ := row[1].(string)
			defs[name] = text
		}
	}
	var out []PlanStep
	for _, s := range st {
		r := m.rollup(s.Name)
		switch {
		case s.Table == "":
			out = append(out, PlanStep{Action: "build", Rollup: s.Name, Reasons: []string{"new rollup"}})
		case s.Hash != r.Hash:
			out = append(out, PlanStep{Action: "rebuild", Rollup: s.Name, Reasons: definitionChanges(defs[s.Name], rollup.Describe(m.Catalog, r))})
		case !s.Fresh && s.State != "failing":
			out = append(out, PlanStep{Action: "refresh", Rollup: s.Name, Reasons: []string{"its sources changed since the build"}})
		}
	}
	rec, err := m.Recorded(ctx)
	if err != nil {
		return nil, err
	}
	m.planSources(out, rec)
	var gone []string
	for name, row := range rec {
		if m.rollup(name) == nil && row.Status.Table != "" {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	for _, name := range gone {
		out = append(out, PlanStep{Action: "drop", Rollup: name, Reasons: []string{"no longer in the model"}})
	}
	return out, nil
}

// planSources fills each step's From (step 5).
func (m *Materializer) planSources(steps []PlanStep, rec map[string]Recorded) {
	if m.NoLattice {
		return
	}
	planned := map[string]bool{}
	for _, s := range steps {
		planned[s.Rollup] = true
	}
	seen := map[string]string{}
	for i := range steps {
		r := m.rollup(steps[i].Rollup)
		if r == nil {
			continue
		}
		var best string
		var rows int64 = -1
		for _, s := range m.Rollups {
			if s == r || rollup.DerivableFrom(r, s, m.Dialect.SetColumns()) != "" {
				continue
			}
			row, built := rec[s.Name]
			if !planned[s.Name] && !m.currentVersion(s, row, built, seen) {
				continue
			}
			n := int64(1 << 62) // never built: its size is not known yet
			if built && row.Status.Table != "" {
				n = row.Status.Rows
			}
			if rows < 0 || n < rows {
				best, rows = s.Name, n
			}
		}
		steps[i].From = best
	}
}

// currentVersion reports whether a rollup's stored version can be read in
// place of the raw tables: built from the model's definition, its last
// build not failed, its sources readable and unchanged since.
func (m *Materializer) currentVersion(s *rollup.Rollup, row Recorded, ok bool, seen map[string]string) bool {
	st := row.Status
	if !ok || st.Table == "" || st.Hash != s.Hash || st.LastError != "" || m.SourceProblem(s) != nil {
		return false
	}
	return row.Sources == m.Fingerprint(s, seen)
}

// definitionChanges names what differs between two definition texts.
func definitionChanges(old, now string) []string {
	if old == "" {
		return []string{"definition changed (its stored version predates recorded definitions)"}
	}
	alias := ""
	key := func(line string) string {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "source" {
			alias = f[1]
		}
		switch {
		case len(f) >= 2 && f[0] == "column":
			return "column " + alias + "." + f[1]
		case len(f) >= 2 && (f[0] == "measure" || f[0] == "field" || f[0] == "source" || f[0] == "time"):
			return f[0] + " " + f[1]
		case len(f) >= 1:
			return f[0]
		}
		return line
	}
	index := func(text string) (map[string]string, []string) {
		alias = ""
		m := map[string]string{}
		var order []string
		for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
			l = strings.TrimSpace(l)
			k := key(l)
			if _, dup := m[k]; !dup {
				order = append(order, k)
			}
			m[k] = l
		}
		return m, order
	}
	was, wasOrder := index(old)
	is, isOrder := index(now)
	noun := map[string]string{"measure": "metric", "field": "dimension", "source": "table", "time": "time", "tz": "project time zone", "partition": "partition", "column": "column", "fact": "fact", "v1": "definition format"}
	describe := func(k string) string {
		kind, name, _ := strings.Cut(k, " ")
		if name == "" {
			return noun[kind]
		}
		return noun[kind] + " " + name
	}
	var out []string
	for _, k := range wasOrder {
		switch n, ok := is[k]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s removed (was: %s)", describe(k), strings.TrimSpace(strings.TrimPrefix(was[k], k))))
		case n != was[k]:
			out = append(out, fmt.Sprintf("%s changed: %s → %s", describe(k), strings.TrimSpace(strings.TrimPrefix(was[k], k)), strings.TrimSpace(strings.TrimPrefix(n, k))))
		}
	}
	for _, k := range isOrder {
		if _, ok := was[k]; !ok {
			out = append(out, fmt.Sprintf("%s added: %s", describe(k), strings.TrimSpace(strings.TrimPrefix(is[k], k))))
		}
	}
	if len(out) == 0 {
		out = []string{"definition changed"}
	}
	return out
}

// definitionStatements record a build's definition text, in its swap.
func (m *Materializer) definitionStatements(r *rollup.Rollup) []engine.Statement {
	d := m.Dialect
	return []engine.Statement{
		{SQL: sqlgen.DeleteDefinition(d), Args: []any{r.Name}},
		{SQL: sqlgen.InsertDefinition(d), Args: []any{r.Name, rollup.Describe(m.Catalog, r)}},
	}
}

func (m *Materializer) ensureDefinitions(ctx context.Context) error {
	for _, s := range append(sqlgen.DefinitionDDL(m.Dialect), sqlgen.LineageDDL(m.Dialect)...) {
		if err := m.Engine.Exec(ctx, s); err != nil {
			return engine.Clean(err)
		}
	}
	return nil
}

// DropRemoved drops the stored versions of rollups the model no longer has,
// with their state rows, one transaction per rollup.
func (m *Materializer) DropRemoved(ctx context.Context) error {
	if err := m.EnsureState(ctx); err != nil {
		return err
	}
	if err := m.ensureDefinitions(ctx); err != nil {
		return err
	}
	if err := m.ensurePartitionState(ctx); err != nil {
		return err
	}
	rec, err := m.Recorded(ctx)
	if err != nil {
		return err
	}
	d := m.Dialect
	for name, row := range rec {
		if m.rollup(name) != nil {
			continue
		}
		stmts := []engine.Statement{{SQL: sqlgen.DeleteRollupState(d), Args: []any{name}}, {SQL: sqlgen.DeleteDefinition(d), Args: []any{name}},
			{SQL: sqlgen.DeleteLineage(d), Args: []any{name}},
			{SQL: sqlgen.DeletePartitions(d), Args: []any{name}}, {SQL: sqlgen.DeleteFiles(d), Args: []any{name}}}
		if row.Status.Table != "" {
			stmts = append(stmts, engine.Statement{SQL: sqlgen.DropTable(d, row.Status.Table)})
		}
		if d.OLAP() != nil {
			// StarRocks and Doris run no DDL (nor DELETEs of several tables)
			// in a transaction: one statement at a time, the rollups row
			// that readers follow first and the table last, so that a stop
			// midway leaves at worst an orphan table, which DropOrphans
			// drops on the next open.
			for _, s := range stmts {
				if err := m.Engine.Exec(ctx, s.SQL, s.Args...); err != nil {
					return fmt.Errorf("dropping removed rollup %s: %w", name, engine.Clean(err))
				}
			}
			continue
		}
		if err := m.Engine.ExecTx(ctx, stmts...); err != nil {
			return fmt.Errorf("dropping removed rollup %s: %w", name, engine.Clean(err))
		}
	}
	return nil
}
