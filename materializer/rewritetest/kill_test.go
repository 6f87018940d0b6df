package rewritetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/strata-metrics/strata/internal/banktest"
	"github.com/strata-metrics/strata/service"
)

// killChildEnv makes the test binary a refreshing process over the project
// directory it names, for the kill -9 test.
const killChildEnv = "STRATA_TEST_KILL_CHILD"

// killChild opens the project's warehouse file, says "building", refreshes
// every rollup and says "built".
func killChild(dir string) int {
	ctx := context.Background()
	_, cat, err := banktest.Load(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w, err := service.Open(ctx, cat, service.Options{Threads: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer w.Close()
	fmt.Println("building")
	if _, err := w.Refresh(ctx, nil, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("built")
	return 0
}

// runChild refreshes the project in a child process; with killAfter > 0 it
// is killed with SIGKILL that long after it starts building.
func runChild(t *testing.T, dir string, killAfter time.Duration) (finished bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	if !sc.Scan() || sc.Text() != "building" {
		_ = cmd.Wait()
		t.Fatalf("the child did not start building (%q)", sc.Text())
	}
	if killAfter > 0 {
		time.Sleep(killAfter)
		_ = cmd.Process.Signal(syscall.SIGKILL)
	}
	for sc.Scan() {
		finished = finished || sc.Text() == "built"
	}
	err = cmd.Wait()
	if killAfter == 0 && err != nil {
		t.Fatalf("the child failed: %v", err)
	}
	return finished
}

// A process killed with SIGKILL in the middle of a partition build leaves
// the warehouse file with the previous version in place: the restarted
// process reads nothing half-built, answers exactly, and its refresh
// completes the work.
func TestKillDuringBuildResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	ctx := context.Background()
	lb := newLakeBank(t, "kill")
	lb.w.Close()
	runChild(t, lb.dir, 0) // the first version, in the warehouse file
	lb.write("new-1.parquet", lb.cut, lb.cut.AddDate(0, 0, 5), "")
	killed := 0
	for _, after := range []time.Duration{20 * time.Millisecond, 120 * time.Millisecond, 300 * time.Millisecond} {
		if !runChild(t, lb.dir, after) {
			killed++
		}
	}
	if killed == 0 {
		t.Log("every child finished before its kill; the kill case is not exercised on this machine")
	}
	_, cat, err := banktest.Load(lb.dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := service.Open(ctx, cat, service.Options{Threads: 1})
	if err != nil {
		t.Fatalf("reopening after kill -9: %v", err)
	}
	defer w.Close()
	check := func(when string) {
		t.Helper()
		q := allHistory
		raw := q
		raw.NoRollup = true
		want, err := w.Query(ctx, &raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := w.Query(ctx, &q)
		if err != nil {
			t.Fatal(err)
		}
		if got.Meta.ServedBy == "raw" {
			t.Errorf("%s: served raw", when)
		}
		if diff := diffResults(got, want); diff != "" {
			t.Fatalf("%s: served by %s, differs from raw:\n%s", when, got.Meta.ServedBy, diff)
		}
	}
	check(fmt.Sprintf("after %d kills", killed))
	res, err := w.Refresh(ctx, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("refresh after the kills: %s: %v", r.Name, r.Err)
		}
	}
	check("after the resumed refresh")
	st, err := w.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.State != "fresh" {
			t.Errorf("%s is %s after the resumed refresh", s.Name, s.State)
		}
	}
}
