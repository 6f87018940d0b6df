package rewritetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-metrics/strata/materializer"
)

// A build that fails halfway — a landed file that cannot be read, or a
// build cancelled mid-statement — leaves the previous version in place:
// the state still names it, its rows still answer exactly once the fault
// is gone, and the retry then succeeds.
func TestFailedBuildKeepsPreviousVersion(t *testing.T) {
	ctx := context.Background()
	lb := newLakeBank(t, "fault")
	q := allHistory
	before, err := lb.w.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	status := func() materializer.RollupStatus {
		t.Helper()
		st, err := lb.w.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range st {
			if s.Name == "txn_daily" {
				return s
			}
		}
		t.Fatal("no txn_daily status")
		return materializer.RollupStatus{}
	}
	was := status()

	// 1. An unreadable file lands: the build fails with a clean error.
	bad := filepath.Join(lb.dir, "data", "transactions", "broken.parquet")
	if err := os.WriteFile(bad, []byte("not a parquet file"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := lb.w.Refresh(ctx, []string{"txn_daily"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err == nil {
		t.Fatal("a build over an unreadable file succeeded")
	}
	if st := status(); st.Table != was.Table || st.Rows != was.Rows || st.LastError == "" {
		t.Fatalf("after the failed build: table %s (was %s), rows %d (was %d), last error %q", st.Table, was.Table, st.Rows, was.Rows, st.LastError)
	}

	// 2. A build cancelled midway changes nothing either.
	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}
	lb.write("new-1.parquet", lb.cut, lb.cut.AddDate(0, 0, 5), "")
	cctx, cancel := context.WithTimeout(ctx, time.Millisecond)
	res, _ = lb.w.Refresh(cctx, []string{"txn_daily"}, nil)
	cancel()
	if len(res) == 1 && res[0].Err == nil {
		t.Log("the build finished within a millisecond; the cancellation case is not exercised")
	}
	if st := status(); st.Table != was.Table {
		t.Fatalf("after a cancelled build the state names %s, was %s", st.Table, was.Table)
	}

	// 3. With the new file gone again, the previous version answers exactly
	// as before, from the rollup.
	if err := os.Remove(filepath.Join(lb.dir, "data", "transactions", "new-1.parquet")); err != nil {
		t.Fatal(err)
	}
	again, err := lb.w.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	if again.Meta.ServedBy != "txn_daily" {
		t.Fatalf("served by %s after the faults", again.Meta.ServedBy)
	}
	if diff := diffResults(again, before); diff != "" {
		t.Fatalf("the previous version's answer changed:\n%s", diff)
	}

	// 4. The retry, the fault gone, succeeds and stays exact.
	lb.write("new-1.parquet", lb.cut, lb.cut.AddDate(0, 0, 5), "")
	lb.refresh("txn_daily")
	if st := status(); st.Table == was.Table || st.LastError != "" {
		t.Fatalf("after the retry: table %s, last error %q", st.Table, st.LastError)
	}
	raw := q
	raw.NoRollup = true
	want, err := lb.w.Query(ctx, &raw)
	if err != nil {
		t.Fatal(err)
	}
	got, err := lb.w.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.ServedBy != "txn_daily" {
		t.Fatalf("after the retry: served by %s", got.Meta.ServedBy)
	}
	if diff := diffResults(got, want); diff != "" {
		t.Fatalf("after the retry the rollup differs from raw:\n%s", diff)
	}
}
