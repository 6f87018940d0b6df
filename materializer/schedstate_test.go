package materializer

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/materializer/schedule"
)

// The scheduler's state and leases round-trip through the engine: a state
// saved twice reads back as the second; of two holders contending for one
// lease only one gets it until it is released or expires.
func TestEngineStoreAndLease(t *testing.T) {
	ctx := context.Background()
	db, err := duckdb.Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := sqlgen.DuckDB{}
	store := &EngineStore{Engine: db, Dialect: d}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= 2; i++ {
		st := schedule.State{Name: "txn_daily", BuiltFingerprint: "fp", Failures: i, NextRetry: at.Add(time.Duration(i) * time.Minute),
			Durations: []time.Duration{time.Second, 2 * time.Second}, LastError: "source unreadable"}
		if err := store.Save(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	got, err := (&EngineStore{Engine: db, Dialect: d}).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st := got["txn_daily"]
	if len(got) != 1 || st.Failures != 2 || !st.NextRetry.Equal(at.Add(2*time.Minute)) || len(st.Durations) != 2 || st.LastError != "source unreadable" {
		t.Fatalf("loaded %+v", got)
	}

	now := at
	lease := &EngineLease{Engine: db, Dialect: d, Now: func() time.Time { return now }}
	ok, _, _, err := lease.Acquire(ctx, "txn_daily", "proc-a", time.Minute)
	if err != nil || !ok {
		t.Fatalf("first acquire: %v %v", ok, err)
	}
	ok, holder, until, err := lease.Acquire(ctx, "txn_daily", "proc-b", time.Minute)
	if err != nil || ok || holder != "proc-a" || !until.Equal(at.Add(time.Minute)) {
		t.Fatalf("contender: ok %v holder %q until %v err %v", ok, holder, until, err)
	}
	if ok, _, _, err := lease.Acquire(ctx, "txn_daily", "proc-a", time.Minute); err != nil || !ok {
		t.Fatalf("renewal by the holder: %v %v", ok, err)
	}
	if ok, _, _, err := lease.Acquire(ctx, "txn_monthly", "proc-b", time.Minute); err != nil || !ok {
		t.Fatalf("another rollup's lease: %v %v", ok, err)
	}
	// A holder killed mid-build never releases; its lease expires.
	now = at.Add(2 * time.Minute)
	if ok, _, _, err := lease.Acquire(ctx, "txn_daily", "proc-b", time.Minute); err != nil || !ok {
		t.Fatalf("acquire after expiry: %v %v", ok, err)
	}
	if err := lease.Release(ctx, "txn_daily", "proc-a"); err != nil {
		t.Fatal(err)
	}
	if ok, _, _, _ := lease.Acquire(ctx, "txn_daily", "proc-a", time.Minute); ok {
		t.Fatal("a release by a former holder freed the new holder's lease")
	}
	if err := lease.Release(ctx, "txn_daily", "proc-b"); err != nil {
		t.Fatal(err)
	}
	if ok, _, _, err := lease.Acquire(ctx, "txn_daily", "proc-a", time.Minute); err != nil || !ok {
		t.Fatalf("acquire after release: %v %v", ok, err)
	}
}

// Two schedulers over one warehouse (two processes sharing an engine)
// contend for one rollup: one builds while the other waits on the lease in
// _strata.leases, then reads the state the first stored and does not build.
func TestTwoSchedulersOneBuilds(t *testing.T) {
	ctx := context.Background()
	db, err := duckdb.Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := sqlgen.DuckDB{}
	clock := clockwork.NewFakeClockAt(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	var builds atomic.Int32
	release := make(chan struct{})
	evs := map[string]chan schedule.Event{"a": make(chan schedule.Event, 100), "b": make(chan schedule.Event, 100)}
	mk := func(holder string) *schedule.Scheduler {
		s, err := schedule.New(ctx, schedule.Config{
			Jobs: []schedule.Job{{Name: "txn_daily"}},
			Probe: func(context.Context, string) (schedule.Observation, error) {
				return schedule.Observation{Fingerprint: "v1"}, nil
			},
			Build: func(ctx context.Context, _ string) error {
				builds.Add(1)
				select {
				case <-release:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			},
			Store:  &EngineStore{Engine: db, Dialect: d},
			Lease:  &EngineLease{Engine: db, Dialect: d, Now: clock.Now},
			Holder: holder, Clock: clock,
			OnEvent: func(e schedule.Event) { evs[holder] <- e },
		})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	await := func(holder, kind string) schedule.Event {
		t.Helper()
		for {
			select {
			case e := <-evs[holder]:
				if e.Kind == kind {
					return e
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: no %s event", holder, kind)
			}
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	a, b := mk("a"), mk("b")
	go func() { _ = a.Run(runCtx) }()
	await("a", "start")
	go func() { _ = b.Run(runCtx) }()
	if e := await("b", "wait"); e.HeldBy != "a" {
		t.Fatalf("b waits on %q", e.HeldBy)
	}
	close(release)
	await("a", "done")
	_ = clock.BlockUntilContext(ctx, 2)
	clock.Advance(time.Minute)
	await("b", "skip")
	if n := builds.Load(); n != 1 {
		t.Fatalf("%d builds, want 1", n)
	}
}

// releasingEngine lets the other holder release its lease at the worst
// moment: after the contender's insert broke the key, before it reads the
// row back.
type releasingEngine struct {
	engine.Engine
	release func()
	once    sync.Once
}

func (e *releasingEngine) Query(ctx context.Context, sql string, args ...any) (*engine.Result, error) {
	if sql == sqlgen.ReadLease(sqlgen.DuckDB{}) {
		e.once.Do(e.release)
	}
	return e.Engine.Query(ctx, sql, args...)
}

// TestLeaseReleasedDuringAcquire: a lease released between a contender's
// failed insert and its read-back is taken by the contender, not reported
// as a failed build ("duplicate key").
func TestLeaseReleasedDuringAcquire(t *testing.T) {
	ctx := context.Background()
	db, err := duckdb.Open("", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d := sqlgen.DuckDB{}
	other := &EngineLease{Engine: db, Dialect: d}
	if ok, _, _, err := other.Acquire(ctx, "txn_daily", "worker:42", time.Minute); err != nil || !ok {
		t.Fatalf("the first holder: %v %v", ok, err)
	}
	eng := &releasingEngine{Engine: db, release: func() {
		if err := other.Release(ctx, "txn_daily", "worker:42"); err != nil {
			t.Error(err)
		}
	}}
	contender := &EngineLease{Engine: eng, Dialect: d}
	ok, holder, _, err := contender.Acquire(ctx, "txn_daily", "serve:7", time.Minute)
	if err != nil || !ok || holder != "serve:7" {
		t.Fatalf("after the release mid-acquire: ok %v holder %q err %v", ok, holder, err)
	}
	if h, _, err := other.Holder(ctx, "txn_daily"); err != nil || h != "serve:7" {
		t.Errorf("the lease row names %q (%v)", h, err)
	}
}
