package mysqlwire_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/go-sql-driver/mysql"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/api/mysqlwire"
	"github.com/strata-metrics/strata/examples/bank/generate/bankgen"
	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// The example bank with small generated data and its rollups built, served
// by a real listener on 127.0.0.1.
var (
	wh   *service.Project
	addr string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "strata-mysqlwire-*")
	if err != nil {
		panic(err)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if err := banktest.CopyModel(dir); err != nil {
			panic(err)
		}
		ctx := context.Background()
		if _, err := bankgen.Generate(ctx, filepath.Join(dir, "data"), bankgen.Options{Transactions: 4000, Seed: 7}); err != nil {
			panic(err)
		}
		wh, err = banktest.Open(ctx, dir, service.Options{})
		if err != nil {
			panic(err)
		}
		defer wh.Close()
		if _, err := wh.Refresh(ctx, nil, nil); err != nil {
			panic(err)
		}
		// The protocol library's messages about the broken clients the tests
		// make on purpose are not the tests' output.
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		l, err := mysqlwire.Listen("127.0.0.1:0", api.NewMySQLBackend(wh, nil), mysqlwire.Options{MaxPacket: 64 << 10, Logger: quiet})
		if err != nil {
			panic(err)
		}
		defer l.Close()
		addr = l.Addr().String()
		return m.Run()
	}()
	os.Exit(code)
}

// open connects with go-sql-driver/mysql.
func open(t testing.TB, params string) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", fmt.Sprintf("analyst:x@tcp(%s)/retail_bank?%s", addr, params))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
