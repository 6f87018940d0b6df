package materializer

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/materializer/schedule"
)

// EngineStore keeps the scheduler's state in the engine's _strata schema,
// beside the rollups it describes, so a restarted process (or another one
// over the same warehouse) resumes from it.
type EngineStore struct {
	Engine  engine.Engine
	Dialect sqlgen.Dialect
	// ready says the tables exist: reads then write nothing.
	ready bool
	once  sync.Once
	err   error
}

var (
	_ schedule.Store = (*EngineStore)(nil)
	_ schedule.Lease = (*EngineLease)(nil)
)

func ensureSchedule(ctx context.Context, eng engine.Engine, d sqlgen.Dialect) error {
	for _, s := range sqlgen.ScheduleDDL(d) {
		if err := eng.Exec(ctx, s); err != nil {
			return fmt.Errorf("creating the scheduler's state tables: %w", engine.Clean(err))
		}
	}
	return nil
}

func (s *EngineStore) ensure(ctx context.Context) error {
	if s.ready {
		return nil
	}
	s.once.Do(func() { s.err = ensureSchedule(ctx, s.Engine, s.Dialect) })
	return s.err
}

// Load implements schedule.Store.
func (s *EngineStore) Load(ctx context.Context) (map[string]schedule.State, error) {
	if err := s.ensure(ctx); err != nil {
		return nil, err
	}
	res, err := s.Engine.Query(ctx, sqlgen.ReadSchedule(s.Dialect))
	if err != nil {
		return nil, engine.Clean(err)
	}
	out := map[string]schedule.State{}
	for _, row := range res.Rows {
		name, _ := row[0].(string)
		text, _ := row[1].(string)
		var st schedule.State
		if err := json.Unmarshal([]byte(text), &st); err != nil {
			return nil, fmt.Errorf("rollup %s: unreadable scheduler state in _strata.schedule: %v", name, err)
		}
		st.Name = name
		out[name] = st
	}
	return out, nil
}

// Save implements schedule.Store: the row is replaced in one transaction.
func (s *EngineStore) Save(ctx context.Context, st schedule.State) error {
	if err := s.ensure(ctx); err != nil {
		return err
	}
	text, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if s.Dialect.OLAP() != nil {
		// A keyed table: the INSERT replaces the job's row (sqlgen/olapsched.go).
		return engine.Clean(s.Engine.Exec(ctx, sqlgen.InsertSchedule(s.Dialect), st.Name, string(text)))
	}
	err = s.Engine.ExecTx(ctx,
		engine.Statement{SQL: sqlgen.DeleteSchedule(s.Dialect), Args: []any{st.Name}},
		engine.Statement{SQL: sqlgen.InsertSchedule(s.Dialect), Args: []any{st.Name, string(text)}})
	return engine.Clean(err)
}

// EngineLease is the lease row per rollup in _strata.leases. Now is the
// clock leases are read against (the scheduler's); nil means time.Now.
type EngineLease struct {
	Engine  engine.Engine
	Dialect sqlgen.Dialect
	Now     func() time.Time
	once    sync.Once
	err     error
}

func (l *EngineLease) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Acquire implements schedule.Lease. Clearing an expired (or own) row and
// inserting a new one run in one transaction; when another holder's lease
// is live the insert breaks the key, nothing changes, and the live row is
// read back to say who holds it.
func (l *EngineLease) Acquire(ctx context.Context, job, holder string, ttl time.Duration) (bool, string, time.Time, error) {
	return l.acquire(ctx, job, holder, ttl, 3)
}

// acquire is Acquire with tries left: a holder that releases between the
// failed insert and the read-back leaves no row to name, and the lease is
// then taken again rather than reported as an error.
func (l *EngineLease) acquire(ctx context.Context, job, holder string, ttl time.Duration, tries int) (bool, string, time.Time, error) {
	l.once.Do(func() { l.err = ensureSchedule(ctx, l.Engine, l.Dialect) })
	if l.err != nil {
		return false, "", time.Time{}, l.err
	}
	now := l.now()
	until := now.Add(ttl)
	if l.Dialect.OLAP() != nil {
		return l.acquireOLAP(ctx, job, holder, now, until)
	}
	err := l.Engine.ExecTx(ctx,
		engine.Statement{SQL: sqlgen.ClearLease(l.Dialect), Args: []any{job, now.UnixNano(), holder}},
		engine.Statement{SQL: sqlgen.InsertLease(l.Dialect), Args: []any{job, holder, until.UnixNano()}})
	if err == nil {
		return true, holder, until, nil
	}
	res, qerr := l.Engine.Query(ctx, sqlgen.ReadLease(l.Dialect), job)
	if qerr == nil && len(res.Rows) == 1 {
		other, _ := res.Rows[0][0].(string)
		ns, _ := res.Rows[0][1].(int64)
		if exp := time.Unix(0, ns); other != holder && exp.After(now) {
			// A holder of this host whose process is gone (killed midway)
			// never releases: its lease is cleared rather than waited out.
			if holderGone(other) && l.Release(ctx, job, other) == nil {
				return l.Acquire(ctx, job, holder, ttl)
			}
			return false, other, exp, nil
		}
	}
	if qerr == nil && tries > 1 && ctx.Err() == nil && (len(res.Rows) == 0 || leaseOver(res.Rows[0], now)) {
		return l.acquire(ctx, job, holder, ttl, tries-1) // released or expired meanwhile
	}
	return false, "", time.Time{}, fmt.Errorf("taking the build lease of %s: %w", job, engine.Clean(err))
}

// leaseOver reports whether a lease row read back (holder, expiry in unix
// nanoseconds) has expired.
func leaseOver(row []any, now time.Time) bool {
	ns, ok := row[1].(int64)
	return ok && !time.Unix(0, ns).After(now)
}

// acquireOLAP takes the lease on StarRocks or Doris: a conditional INSERT
// into the keyed table, then the row read back (sqlgen/olapsched.go).
func (l *EngineLease) acquireOLAP(ctx context.Context, job, holder string, now, until time.Time) (bool, string, time.Time, error) {
	d := l.Dialect
	if err := l.Engine.Exec(ctx, sqlgen.TakeLeaseOLAP(d), job, holder, until.UnixNano(), job, now.UnixNano(), holder); err != nil {
		return false, "", time.Time{}, fmt.Errorf("taking the build lease of %s: %w", job, engine.Clean(err))
	}
	other, exp, err := l.Holder(ctx, job)
	if err != nil {
		return false, "", time.Time{}, fmt.Errorf("reading the build lease of %s: %w", job, err)
	}
	if other == holder {
		return true, holder, exp, nil
	}
	if other == "" {
		return false, "", time.Time{}, fmt.Errorf("taking the build lease of %s: the lease row was not written", job)
	}
	if holderGone(other) && l.Release(ctx, job, other) == nil {
		return l.acquireOLAP(ctx, job, holder, now, until)
	}
	return false, other, exp, nil
}

// Release implements schedule.Lease.
func (l *EngineLease) Release(ctx context.Context, job, holder string) error {
	return engine.Clean(l.Engine.Exec(ctx, sqlgen.ReleaseLease(l.Dialect), job, holder))
}

// Holder reads who holds the job's lease and until when, without taking it.
func (l *EngineLease) Holder(ctx context.Context, job string) (string, time.Time, error) {
	res, err := l.Engine.Query(ctx, sqlgen.ReadLease(l.Dialect), job)
	if err != nil {
		return "", time.Time{}, engine.Clean(err)
	}
	if len(res.Rows) != 1 {
		return "", time.Time{}, nil
	}
	holder, _ := res.Rows[0][0].(string)
	ns, _ := res.Rows[0][1].(int64)
	return holder, time.Unix(0, ns), nil
}
