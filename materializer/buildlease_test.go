package materializer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/materializer"
)

// A refresh takes the same lease row as the scheduler: while another
// process holds txn_daily's lease, `strata refresh` (service.Refresh, which
// the CLI and the DataAPI call) is told who holds it and waits, and builds
// once the holder releases it; a refresh that stops waiting says which
// process was building, and the previous version keeps serving.
func TestRefreshWaitsForAnotherProcesssLease(t *testing.T) {
	ctx := context.Background()
	dir, _, _ := smallBank(t)
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if res, err := w.Refresh(ctx, []string{"txn_daily"}, nil); err != nil || res[0].Err != nil {
		t.Fatalf("first build: %v %+v", err, res)
	}
	lease := &materializer.EngineLease{Engine: w.Engine, Dialect: sqlgen.DuckDB{}}
	if ok, _, _, err := lease.Acquire(ctx, "txn_daily", "worker:42", time.Minute); err != nil || !ok {
		t.Fatalf("taking the lease as another process: %v %v", ok, err)
	}

	told := make(chan string, 4)
	wctx := materializer.WithLeaseWait(ctx, func(rollup, holder string, until time.Time) { told <- rollup + " " + holder })
	done := make(chan []materializer.RefreshResult, 1)
	go func() {
		res, err := w.Refresh(wctx, []string{"txn_daily"}, nil)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case got := <-told:
		if got != "txn_daily worker:42" {
			t.Fatalf("told %q", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the refresh never said it waits for the lease")
	}
	select {
	case res := <-done:
		t.Fatalf("the refresh built while another process held the lease: %+v", res)
	case <-time.After(700 * time.Millisecond):
	}
	if holder, _, err := lease.Holder(ctx, "txn_daily"); err != nil || holder != "worker:42" {
		t.Fatalf("the waiting refresh took the lease: %q %v", holder, err)
	}
	if err := lease.Release(ctx, "txn_daily", "worker:42"); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		if len(res) != 1 || res[0].Err != nil || res[0].Rows == 0 {
			t.Fatalf("after the release: %+v", res)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the refresh did not build once the lease was released")
	}
	if holder, _, err := lease.Holder(ctx, "txn_daily"); err != nil || holder != "" {
		t.Fatalf("the refresh kept its lease after building: %q %v", holder, err)
	}

	// A refresh that gives up waiting says who builds; nothing changed.
	before, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, _, err := lease.Acquire(ctx, "txn_daily", "worker:42", time.Minute); err != nil || !ok {
		t.Fatalf("retaking the lease: %v %v", ok, err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	res, err := w.Refresh(short, []string{"txn_daily"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var running *materializer.BuildRunningError
	if len(res) != 1 || !errors.As(res[0].Err, &running) || running.Holder != "worker:42" {
		t.Fatalf("a refresh that stopped waiting: %+v", res)
	}
	after, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range before {
		if before[i].Table != after[i].Table || after[i].LastError != before[i].LastError {
			t.Errorf("%s changed while another process held its lease: %+v → %+v", before[i].Name, before[i], after[i])
		}
	}
}

// A lease left by a process of this host that was killed midway (it never
// released it) is cleared at once: the refresh neither waits for it to
// expire nor is told of a holder.
func TestRefreshClearsTheLeaseOfAKilledProcess(t *testing.T) {
	ctx := context.Background()
	dir, _, _ := smallBank(t)
	w, err := openBank(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	gone := exec.Command("true")
	if err := gone.Run(); err != nil {
		t.Skipf("no process to outlive: %v", err)
	}
	host, _ := os.Hostname()
	dead := fmt.Sprintf("%s:%d", host, gone.Process.Pid)
	lease := &materializer.EngineLease{Engine: w.Engine, Dialect: sqlgen.DuckDB{}}
	if ok, _, _, err := lease.Acquire(ctx, "txn_daily", dead, time.Hour); err != nil || !ok {
		t.Fatalf("taking the lease as the killed process: %v %v", ok, err)
	}
	wctx := materializer.WithLeaseWait(ctx, func(rollup, holder string, until time.Time) {
		t.Errorf("the refresh waited for %s's lease, held by a process that is gone", holder)
	})
	short, cancel := context.WithTimeout(wctx, 30*time.Second)
	defer cancel()
	res, err := w.Refresh(short, []string{"txn_daily"}, nil)
	if err != nil || len(res) != 1 || res[0].Err != nil {
		t.Fatalf("refresh over a dead holder's lease: %v %+v", err, res)
	}
	if holder, _, err := lease.Holder(ctx, "txn_daily"); err != nil || holder != "" {
		t.Errorf("lease after the refresh: %q %v", holder, err)
	}
}
