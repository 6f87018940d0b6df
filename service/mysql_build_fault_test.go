package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/engine/enginetest"
	"github.com/strata-metrics/strata/engine/mysql"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

// TestServerStoppedInsideBuild kills the MariaDB server while a rollup's
// CREATE TABLE … AS SELECT is running — the new version's table exists and
// is being filled — rather than between two builds. The build fails with a
// clear error; once the server is back the rollup serves its last good
// version with the same answer, and no table of the killed build is left.
//
// The build is slowed down by the source: ods.transactions is replaced by a
// view over the same rows that sleeps a millisecond per row, so filling the
// table takes seconds and the kill lands inside it.
func TestServerStoppedInsideBuild(t *testing.T) {
	srv := enginetest.StartMariaDB(t)
	_, m := bankOnMariaDB(t, srv)
	ctx := context.Background()
	res, err := m.Refresh(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("first build of %s: %v", r.Name, r.Err)
		}
	}
	before := statusOf(t, m, "txn_daily")
	q := tourQueries[3] // served by txn_daily
	want, err := m.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	if want.Meta.ServedBy != "txn_daily" {
		t.Fatalf("the query is served by %s; the test needs txn_daily", want.Meta.ServedBy)
	}

	admin := openAdmin(t, srv.DSN)
	for _, s := range []string{
		"RENAME TABLE ods.transactions TO ods.transactions_rows",
		"CREATE VIEW ods.transactions AS SELECT * FROM ods.transactions_rows WHERE SLEEP(0.001) = 0",
	} {
		if err := admin.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan []materializer.RefreshResult, 1)
	go func() {
		res, _ := m.Refresh(ctx, []string{"txn_daily"}, nil)
		done <- res
	}()
	building := waitForBuild(t, admin, before.Table)
	admin.Close()
	srv.Stop()
	var failed []materializer.RefreshResult
	select {
	case failed = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the refresh did not return after the server was stopped")
	}
	if len(failed) != 1 || failed[0].Err == nil {
		t.Fatalf("the build the server died inside reported %+v", failed)
	}
	msg := failed[0].Err.Error()
	if !strings.Contains(msg, "connection to the server was lost") && !strings.Contains(msg, "server refused the connection") {
		t.Errorf("unclear error %q", msg)
	}
	if strings.Contains(msg, "invalid connection") || strings.Contains(msg, "driver:") {
		t.Errorf("driver wording leaks into %q", msg)
	}

	srv.Restart(t)
	admin = openAdmin(t, srv.DSN)
	t.Logf("after the restart, before any open: %s present = %v", building, strataTables(t, srv.DSN)[building])
	for _, s := range []string{"DROP VIEW ods.transactions", "RENAME TABLE ods.transactions_rows TO ods.transactions"} {
		if err := admin.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	again, err := service.Open(ctx, m.Catalog, service.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	after := statusOf(t, again, "txn_daily")
	if after.Table != before.Table {
		t.Errorf("txn_daily serves %s after the killed build; want its last good version %s", after.Table, before.Table)
	}
	// The killed build's lease could not be released with the server down:
	// until it expires status may say building; the version serving is the
	// last good one either way.
	if after.State != "fresh" && after.State != "failed" && after.State != "building" {
		t.Errorf("txn_daily after the restart: %s (%s)", after.State, after.LastError)
	}
	tables := strataTables(t, srv.DSN)
	if tables[building] {
		t.Errorf("the half-built %s is still there", building)
	}
	for table := range tables {
		if strings.HasPrefix(table, building) {
			t.Errorf("%s of the killed build is still there", table)
		}
	}
	got, err := again.Query(ctx, &q)
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.ServedBy != "txn_daily" {
		t.Errorf("served by %s after the restart", got.Meta.ServedBy)
	}
	if diff := sameRows(got.Rows, want.Rows); diff != "" {
		t.Errorf("answer after the restart: %s", diff)
	}
}

func openAdmin(t *testing.T, dsn string) *mysql.DB {
	t.Helper()
	db, err := mysql.Open(context.Background(), mysql.Config{DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func statusOf(t *testing.T, p *service.Project, name string) materializer.RollupStatus {
	t.Helper()
	all, err := p.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status for %s", name)
	return materializer.RollupStatus{}
}

// waitForBuild waits until a CREATE TABLE … AS SELECT of a new txn_daily
// version has run for a second with its table created, and returns the
// table's name.
func waitForBuild(t *testing.T, admin *mysql.DB, current string) string {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := admin.Query(ctx, "SELECT INFO FROM information_schema.PROCESSLIST WHERE TIME >= 1 AND INFO LIKE 'CREATE TABLE `\\_strata`.`r\\_txn\\_daily%'")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Rows {
			info := asText(r[0])
			name := strings.TrimPrefix(info, "CREATE TABLE `_strata`.`")
			name, _, _ = strings.Cut(name, "`")
			table := "_strata." + name
			if table != current && strataTablesOn(t, admin)[table] {
				return table
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("no build of txn_daily was seen running")
	return ""
}

func strataTablesOn(t *testing.T, db *mysql.DB) map[string]bool {
	t.Helper()
	res, err := db.Query(context.Background(), "SELECT table_name FROM information_schema.tables WHERE table_schema = '_strata'")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, r := range res.Rows {
		out["_strata."+asText(r[0])] = true
	}
	return out
}

func asText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return ""
}
