package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/engine/mysql"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// strataTables lists the tables in the engine's _strata database.
func strataTables(t *testing.T, dsn string) map[string]bool {
	t.Helper()
	db, err := mysql.Open(context.Background(), mysql.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Query(context.Background(), "SELECT table_name FROM information_schema.tables WHERE table_schema = '_strata'")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range res.Rows {
		out["_strata."+r[0].(string)] = true
	}
	return out
}

// TestServerStoppedMidRefresh kills the MariaDB server while a refresh runs,
// after its first rollup was swapped in: the remaining builds fail with a
// clear error, and once the server is back every rollup serves its last
// good version, with no table left half-built or unreferenced.
func TestServerStoppedMidRefresh(t *testing.T) {
	srv := enginetest.StartMariaDB(t)
	_, m := bankOnMariaDB(t, srv)
	ctx := context.Background()
	if res, err := m.Refresh(ctx, nil, nil); err != nil {
		t.Fatal(err)
	} else {
		for _, r := range res {
			if r.Err != nil {
				t.Fatalf("first build of %s: %v", r.Name, r.Err)
			}
		}
	}
	before, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := tourQueries[3] // served by txn_daily
	want, err := m.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}

	firstName := before[0].Name
	res, rerr := m.Refresh(ctx, nil, func(r materializer.RefreshResult) {
		if r.Name == firstName {
			srv.Stop()
		}
	})
	if len(res) == 0 || res[0].Err != nil {
		t.Fatalf("the rollup built before the stop: %+v", res)
	}
	// The refresh either records each remaining build's failure or stops at
	// the first it cannot start; either way every message says what happened.
	var msgs []string
	for _, r := range res[1:] {
		if r.Err == nil {
			t.Fatalf("rollup %s built with the server stopped", r.Name)
		}
		msgs = append(msgs, r.Err.Error())
	}
	if rerr != nil {
		msgs = append(msgs, rerr.Error())
	}
	if len(msgs) == 0 {
		t.Fatal("the refresh reported no failure with the server stopped")
	}
	for _, msg := range msgs {
		if !strings.Contains(msg, "server refused the connection") && !strings.Contains(msg, "connection to the server was lost") {
			t.Errorf("unclear error %q", msg)
		}
		if strings.Contains(msg, "invalid connection") || strings.Contains(msg, "driver:") {
			t.Errorf("driver wording leaks into %q", msg)
		}
	}
	// Queries while the server is down fail cleanly too.
	if _, err := m.Query(ctx, &q); err == nil || !strings.Contains(err.Error(), "server") {
		t.Errorf("query with the server down: %v", err)
	}

	srv.Restart(t)
	again, err := service.Open(ctx, m.Catalog, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	after, err := again.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	referenced := map[string]bool{}
	for i, s := range after {
		if s.State != "fresh" {
			t.Errorf("rollup %s after the restart: %s (%s)", s.Name, s.State, s.LastError)
		}
		if i > 0 && s.Table != before[i].Table {
			t.Errorf("rollup %s serves %s after its failed build; want its last good version %s", s.Name, s.Table, before[i].Table)
		}
		if i == 0 && s.Table == before[i].Table {
			t.Errorf("rollup %s, rebuilt before the stop, still serves its previous version", s.Name)
		}
		referenced[s.Table] = true
	}
	for table := range strataTables(t, srv.DSN) {
		// A version's distinct-key side tables are named after it: <table>_k<N>.
		version := table
		if i := strings.LastIndex(table, "_k"); i > 0 {
			version = table[:i]
		}
		if !stateTables[table] && !strings.HasPrefix(table, "_strata.tag") && !referenced[table] && !referenced[version] {
			t.Errorf("table %s is left over from a build that did not finish", table)
		}
	}
	got, err := again.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.ServedBy != want.Meta.ServedBy {
		t.Errorf("served by %s after the restart, %s before", got.Meta.ServedBy, want.Meta.ServedBy)
	}
	if diff := sameRows(got.Rows, want.Rows); diff != "" {
		t.Errorf("answer after the restart: %s", diff)
	}
}

// stateTables are the materializer's own tables in _strata, never versions.
var stateTables = map[string]bool{"_strata.rollups": true, "_strata.sources": true, "_strata.definitions": true,
	"_strata.partitions": true, "_strata.rollup_files": true, "_strata.schedule": true, "_strata.leases": true, "_strata.lineage": true}
