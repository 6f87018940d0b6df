package enginetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/strata-metrics/strata/engine"
	"github.com/strata-metrics/strata/engine/duckdb"
	"github.com/strata-metrics/strata/engine/mysql"
)

// DSNVar names the environment variable that points the tests at a
// MySQL-protocol server.
const DSNVar = "STRATA_TEST_MYSQL_DSN"

// HowToRun is the message of a skipped MySQL-protocol test.
const HowToRun = DSNVar + " is not set: start a throwaway MariaDB with `.ci/mariadb-start`, then " +
	"`export " + DSNVar + "='strata:strata@tcp(127.0.0.1:3307)/strata_test'` and run the tests again"

// StarRocksDSNVar names the environment variable that points the
// conformance suite at a StarRocks or Apache Doris cluster, and
// StarRocksEngineVar the engine type it is (starrocks, the default, or doris).
const (
	StarRocksDSNVar    = "STRATA_TEST_STARROCKS_DSN"
	StarRocksEngineVar = "STRATA_TEST_STARROCKS_ENGINE"
)

// StarRocksHowTo is the message of a skipped StarRocks test. It is skipped
// under CI too: a StarRocks or Doris cluster (a frontend and a backend, each
// wanting several GiB) is the one part of the suite that does not run on a
// CI machine or a laptop; docs/starrocks.md says how to point it at one.
const StarRocksHowTo = StarRocksDSNVar + " is not set: the StarRocks/Doris conformance tests need a cluster, which cannot run here; " +
	"point them at one with `export " + StarRocksDSNVar + "='user:password@tcp(fe-host:9030)/strata_test'` " +
	"(and " + StarRocksEngineVar + "=doris for Doris), see docs/starrocks.md"

// StarRocksDSN returns the cluster's DSN and engine type (starrocks or
// doris), skipping the test when there is none — under CI as well.
func StarRocksDSN(t testing.TB) (dsn, engineType string) {
	t.Helper()
	dsn = os.Getenv(StarRocksDSNVar)
	if dsn == "" {
		t.Skip(StarRocksHowTo)
	}
	engineType = os.Getenv(StarRocksEngineVar)
	switch engineType {
	case "":
		engineType = "starrocks"
	case "starrocks", "doris":
	default:
		t.Fatalf("%s=%q: want starrocks or doris", StarRocksEngineVar, engineType)
	}
	return dsn, engineType
}

// InCI reports whether the tests run under CI, where nothing may be skipped
// for lack of a service.
func InCI() bool { return os.Getenv("CI") == "true" }

// MySQLDSN returns the test server's DSN, skipping the test when there is
// none (failing it under CI).
func MySQLDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(DSNVar)
	if dsn == "" {
		if InCI() {
			t.Fatalf("CI=true but %s", HowToRun)
		}
		t.Skip(HowToRun)
	}
	return dsn
}

// Named is an engine with the name a test reports it by.
type Named struct {
	Name   string
	Engine engine.Engine
}

// Engines opens every engine available to the test: an in-memory DuckDB, a
// fresh database on the MySQL-protocol test server when there is one, and on
// the StarRocks or Doris cluster when STRATA_TEST_STARROCKS_DSN names one.
// Without a server the list holds DuckDB only and the test is told why,
// except under CI, where the test fails.
func Engines(t testing.TB) []Named {
	t.Helper()
	db, err := duckdb.Open("", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	out := []Named{{"duckdb", db}}
	if os.Getenv(DSNVar) == "" {
		if InCI() {
			t.Fatalf("CI=true but %s", HowToRun)
		}
		t.Log("no MariaDB: " + HowToRun)
	} else {
		m, _ := OpenMySQL(t, mysql.Config{})
		out = append(out, Named{"mariadb", m})
	}
	if os.Getenv(StarRocksDSNVar) != "" {
		o, _, typ := OpenStarRocks(t, mysql.Config{})
		out = append(out, Named{typ, o})
	} else {
		t.Log("no StarRocks or Doris: " + StarRocksHowTo)
	}
	return out
}

// OpenMySQL opens a fresh, empty database on the test server for this test
// alone (dropped when it ends) and returns the engine and its DSN. cfg's DSN
// is filled in; its other settings are kept.
func OpenMySQL(t testing.TB, cfg mysql.Config) (*mysql.DB, string) {
	t.Helper()
	return openFresh(t, MySQLDSN(t), "mysql", cfg)
}

// OpenStarRocks opens a fresh, empty database on the StarRocks or Doris
// cluster (StarRocksDSN; dropped when the test ends) and returns the engine,
// its DSN and the engine type.
func OpenStarRocks(t testing.TB, cfg mysql.Config) (*mysql.DB, string, string) {
	t.Helper()
	base, typ := StarRocksDSN(t)
	db, dsn := openFresh(t, base, typ, cfg)
	return db, dsn, typ
}

func openFresh(t testing.TB, base, dialect string, cfg mysql.Config) (*mysql.DB, string) {
	t.Helper()
	first := serverLock(t, base)
	name := "strata_t_" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := mysql.Open(ctx, mysql.Config{DSN: base, Dialect: dialect, MaxOpenConns: 2})
	if err != nil {
		t.Fatalf("test server: %v", err)
	}
	// The state schema is one database of the server, not of the test's:
	// what an earlier test left in it (schedule rows, leases, rollup rows of
	// the same names) would leak into this one. On the throwaway MariaDB it
	// goes; a StarRocks or Doris cluster is the user's, and keeps it.
	if first && dialect == "mysql" {
		if err := admin.Exec(ctx, "DROP DATABASE IF EXISTS _strata"); err != nil {
			admin.Close()
			t.Fatalf("test server: %v", err)
		}
	}
	if err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("test server: %v", err)
	}
	t.Cleanup(func() {
		_ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name)
		admin.Close()
	})
	dsn, err := mysql.WithDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DSN, cfg.Dialect = dsn, dialect
	db, err := mysql.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(hex.EncodeToString(b))
}
