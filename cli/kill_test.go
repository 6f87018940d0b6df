package cli_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/engine/duckdb"
)

// killHelperEnv, when set, makes the test binary run the strata command line
// with the arguments it holds (separated by the unit separator, 0x1f) instead of the tests: the
// subprocess TestSIGKILLDuringRefresh kills.
const killHelperEnv = "STRATA_TEST_MAIN_ARGS"

// copyProject copies a project's model and data (not its warehouse).
func copyProject(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || strings.Contains(p, ".strata") {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestSIGKILLDuringRefresh kills a `strata refresh` subprocess with SIGKILL at
// 20 random moments of its run. After each kill the rollup must answer
// exactly what it answered before (and what the raw tables answer), and once
// the warehouse is opened again no rollup table may be left that the state
// does not name.
func TestSIGKILLDuringRefresh(t *testing.T) {
	dir := copyProject(t, bankProject(t))
	if code, out, errs := run("refresh", "--project", dir, "-q"); code != 0 {
		t.Fatalf("first refresh: exit %d\n%s%s", code, out, errs)
	}
	answer := func(raw bool) (string, string) {
		args := []string{"query", "--project", dir, "-m", "txn_amount,txn_count,active_customers", "-d", "channels.name,transactions.txn_time.month", "--order", "channels.name,transactions.txn_time.month", "--format", "json"}
		if raw {
			args = append(args, "--no-rollup")
		}
		code, out, errs := run(args...)
		if code != 0 {
			t.Fatalf("query: exit %d\n%s", code, errs)
		}
		var v struct {
			Rows [][]any
			Meta struct {
				ServedBy string `json:"served_by"`
			}
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatal(err)
		}
		rows, _ := json.Marshal(v.Rows)
		return string(rows), v.Meta.ServedBy
	}
	want, servedBy := answer(false)
	if raw, _ := answer(true); raw != want || servedBy != "txn_daily" {
		t.Fatalf("before the kills: served by %s, rollup and raw agree: %v", servedBy, raw == want)
	}

	helper := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+strings.Join([]string{"refresh", "--project", dir, "-q", "txn_daily"}, "\x1f"))
		return cmd
	}
	start := time.Now()
	if out, err := helper().CombinedOutput(); err != nil {
		t.Fatalf("helper refresh: %v\n%s", err, out)
	}
	whole := time.Since(start)
	rng := rand.New(rand.NewPCG(7, 11))
	leftBehind := 0
	for i := 0; i < 20; i++ {
		cmd := helper()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		at := time.Duration(rng.Int64N(int64(whole)))
		time.Sleep(at)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		leftBehind += orphans(t, dir)
		got, by := answer(false)
		if got != want || by != "txn_daily" {
			t.Fatalf("kill %d at %v of %v: served by %s, answer changed: %v", i, at, whole, by, got != want)
		}
		if n := orphans(t, dir); n != 0 {
			t.Fatalf("kill %d: %d rollup tables left behind after the warehouse was opened again", i, n)
		}
	}
	t.Logf("20 kills over a %v refresh; %d kills left a table behind, each dropped by the next open", whole, leftBehind)
}

// orphans counts the rollup tables in the warehouse's state schema that no
// state row names, reading the warehouse file directly.
func orphans(t *testing.T, dir string) int {
	t.Helper()
	db, err := duckdb.Open(filepath.Join(dir, ".strata", "warehouse.duckdb"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	d := sqlgen.DuckDB{}
	tables, err := db.Query(ctx, sqlgen.ListStateTables(d))
	if err != nil {
		t.Fatal(err)
	}
	states, err := db.Query(ctx, sqlgen.ReadStates(d))
	if err != nil {
		t.Fatal(err)
	}
	live := map[string]bool{}
	for _, r := range states.Rows {
		if name, _ := r[1].(string); name != "" {
			live[name] = true
		}
	}
	n := 0
	for _, r := range tables.Rows {
		name, _ := r[0].(string)
		if strings.HasPrefix(name, sqlgen.RollupTablePrefix) && !live[sqlgen.StateSchema+"."+name] {
			n++
		}
	}
	return n
}
