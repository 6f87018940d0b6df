package materializer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/strata-metrics/strata/compiler/rewrite"
	"github.com/strata-metrics/strata/compiler/rollup"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
)

// RollupStatus is a rollup's recorded state, for status reports.
type RollupStatus struct {
	Name       string    `json:"name"`
	Table      string    `json:"table,omitempty"`
	Hash       string    `json:"definition_hash"`
	ModelHash  string    `json:"model_hash"`
	Rows       int64     `json:"rows"`
	Watermark  string    `json:"watermark,omitempty"`
	BuiltAt    time.Time `json:"built_at,omitzero"`
	DurationMS float64   `json:"duration_ms"`
	LastError  string    `json:"last_error,omitempty"`
	Fresh      bool      `json:"fresh"`
	// BuiltFrom is the rollup the current version was built from (the
	// lattice), or "" when it was built from the raw tables.
	BuiltFrom string `json:"built_from,omitempty"`
	// State is fresh, stale, outdated, never built, failed (the last build
	// failed or was interrupted), or, from the
	// scheduler's record: building (a live build lease), failing (retrying
	// with backoff) or breached (staleness over the freshness SLA).
	State string `json:"state"`
	Schedule
}

// Recorded is a rollup's state row: its status and the fingerprint of the
// sources it was built from.
type Recorded struct {
	Status  RollupStatus
	Sources string
}

// fileStat is a file's size and modification time, or "missing".
func fileStat(path string) string {
	if st, err := os.Stat(path); err == nil {
		return fmt.Sprintf("%d:%d", st.Size(), st.ModTime().UnixNano())
	}
	return "missing"
}

// Fingerprint hashes the size and modification time of every file the
// rollup's wide table reads, to notice a source changed after a build. seen,
// when not nil, keeps each file's stat for the other rollups checked at the
// same moment: their wide tables share most of their files.
func (m *Materializer) Fingerprint(r *rollup.Rollup, seen map[string]string) string {
	h := sha256.New()
	for _, in := range r.Fact.Instances {
		src := in.Table.Source.Value
		stat, ok := seen[src]
		if !ok {
			stat = m.SourceStat(in.Table)
			if seen != nil {
				seen[src] = stat
			}
		}
		fmt.Fprintf(h, "%s:%s\n", in.Table.Name, stat)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Recorded reads every rollup's state row; an engine without state tables has
// none (nothing is written to find out).
func (m *Materializer) Recorded(ctx context.Context) (map[string]Recorded, error) {
	out := map[string]Recorded{}
	if has, err := m.HasState(ctx); err != nil || !has {
		return out, err
	}
	res, err := m.Engine.Query(ctx, sqlgen.ReadStates(m.Dialect))
	if err != nil {
		return nil, engine.Clean(err)
	}
	for _, r := range res.Rows {
		s := RollupStatus{Name: r[0].(string), Table: r[1].(string), Hash: r[2].(string), Rows: r[3].(int64), Watermark: r[4].(string), DurationMS: r[6].(float64), LastError: r[8].(string)}
		if t, ok := r[5].(time.Time); ok {
			s.BuiltAt = t
		}
		out[s.Name] = Recorded{Status: s, Sources: r[7].(string)}
	}
	return out, nil
}

// States is the rewrite's view of the built rollups, with each rollup's
// sources checked for changes since its build.
func (m *Materializer) States(ctx context.Context) (map[string]rewrite.State, map[string]string, error) {
	rows, err := m.Recorded(ctx)
	if err != nil {
		return nil, nil, err
	}
	states := map[string]rewrite.State{}
	fps := map[string]string{}
	for _, r := range m.Rollups {
		row, ok := rows[r.Name]
		if !ok || row.Status.Table == "" {
			continue
		}
		states[r.Name] = rewrite.State{Table: row.Status.Table, Hash: row.Status.Hash, Rows: row.Status.Rows, BuiltAt: row.Status.BuiltAt}
		fps[r.Name] = row.Sources
	}
	return states, fps, nil
}

// Status reports every rollup's state.
func (m *Materializer) Status(ctx context.Context) ([]RollupStatus, error) {
	rows, err := m.Recorded(ctx)
	if err != nil {
		return nil, err
	}
	from := m.lineage(ctx)
	var out []RollupStatus
	for _, r := range m.Rollups {
		row := rows[r.Name]
		s := row.Status
		s.Name, s.ModelHash = r.Name, r.Hash
		if s.Table != "" {
			s.BuiltFrom = from[r.Name]
		}
		switch {
		case s.Table == "" && s.LastError != "":
			s.State = "failed"
		case s.Table == "":
			s.State = "never built"
		case s.Hash != r.Hash:
			s.State = "outdated"
		case row.Sources != m.Fingerprint(r, nil):
			s.State = "stale"
		case s.LastError != "":
			// Current data, but the last build failed or was interrupted:
			// say so rather than "fresh" (Fresh: the version serving is current).
			s.State, s.Fresh = "failed", true
		default:
			s.State, s.Fresh = "fresh", true
		}
		out = append(out, s)
	}
	return m.withSchedule(ctx, out, rows)
}
