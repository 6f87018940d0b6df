package cli_test

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startServe runs `strata serve` as a real process (this test binary, as
// the kill test runs it) on a free loopback port, and waits until its
// serve.json names it and it answers /readyz.
func startServe(t *testing.T, dir string, env ...string) (*exec.Cmd, map[string]any, *bytes.Buffer) {
	t.Helper()
	return startOwner(t, dir, []string{"serve", "--project", dir, "--addr", "127.0.0.1:0", "--builds", "0"}, env...)
}

// startOwner runs the strata command args (serve or materialize) in a
// process of its own and waits until the serve.json it writes answers.
func startOwner(t *testing.T, dir string, args []string, env ...string) (*exec.Cmd, map[string]any, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), killHelperEnv+"="+strings.Join(args, "\x1f")), env...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(filepath.Join(dir, ".strata", "serve.json"))
		var info map[string]any
		if err == nil && json.Unmarshal(b, &info) == nil && int(info["pid"].(float64)) == cmd.Process.Pid {
			resp, err := http.Get("http://" + info["addr"].(string) + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return cmd, info, &logs
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("strata %s did not come up:\n%s", args[0], logs.String())
	return nil, nil, nil
}

func stopServe(t *testing.T, cmd *exec.Cmd, logs *bytes.Buffer) {
	t.Helper()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("strata %s exited with %v:\n%s", cmd.Args[0], err, logs.String())
	}
}

// timings blanks what differs between two runs of one command: elapsed times.
var timings = regexp.MustCompile(`("(took_ms|age_seconds)": )[0-9.e+-]+|[0-9.]+(ms|µs|s)\b|[0-9.]+ ms\n`)

func sameOutput(t *testing.T, what string, local, remote [3]any) {
	t.Helper()
	norm := func(v any) string { return timings.ReplaceAllString(v.(string), "T") }
	if local[0] != remote[0] || norm(local[1]) != norm(remote[1]) || norm(local[2]) != norm(remote[2]) {
		t.Errorf("%s differs while strata serve runs:\nlocal  exit %v\n%s%s\nremote exit %v\n%s%s", what, local[0], local[1], local[2], remote[0], remote[1], remote[2])
	}
}

func runAll(args ...string) [3]any {
	code, out, errs := run(args...)
	return [3]any{code, out, errs}
}

// While `strata serve` owns the warehouse, strata query, explain, status,
// plan, refresh, sql and audience size|profile ask it over the DataAPI and print what they print when
// they open the warehouse themselves, with the same exit codes (elapsed
// times aside). serve.json is removed on a clean shutdown, and a stale one
// (its address answers nothing) is ignored and then replaced.
func TestCommandsTalkToTheRunningServer(t *testing.T) {
	dir := copyProject(t, bankProject(t))
	if code, out, errs := run("refresh", "--project", dir, "-q"); code != 0 {
		t.Fatalf("first refresh: exit %d\n%s%s", code, out, errs)
	}
	parquetOut := filepath.Join(t.TempDir(), "ids.parquet")
	q := []string{"--project", dir, "-m", "txn_amount,txn_count,active_customers,avg_ticket", "-d", "channels.name,transactions.txn_time.month", "--order", "channels.name,transactions.txn_time.month"}
	cmds := map[string][]string{
		"query table":      append([]string{"query"}, q...),
		"query csv":        append(append([]string{"query"}, q...), "--format", "csv"),
		"query json":       append(append([]string{"query", "--no-rollup"}, q...), "--format", "json"),
		"query error":      {"query", "--project", dir, "-m", "txn_amount", "--where", "customers.segmnt = 'retail'"},
		"explain":          append([]string{"explain"}, q...),
		"explain json":     append(append([]string{"explain"}, q...), "--format", "json"),
		"status json":      {"status", "--project", dir, "--format", "json"},
		"plan":             {"plan", "--project", dir},
		"sql":              {"sql", "--project", dir, "SELECT channels.name, txn_amount, avg_ticket FROM transactions GROUP BY 1 ORDER BY 1"},
		"sql json":         {"sql", "--project", dir, "--format", "json", "SELECT channels.name, txn_amount FROM transactions GROUP BY 1 ORDER BY 1"},
		"sql explain":      {"sql", "--project", dir, "--explain", "SELECT channels.name, txn_amount FROM transactions GROUP BY 1"},
		"sql explain json": {"sql", "--project", dir, "--explain", "--format", "json", "SELECT channels.name, txn_amount FROM transactions GROUP BY 1"},
		"audience size":    {"audience", "size", "--project", dir, "high_value AND NOT segment = 'staff'", "--overlap", "mobile=mobile_active_30d"},
		"audience profile": {"audience", "profile", "--project", dir, "high_value", "-d", "customers.segment", "--format", "json"},
		"audience csv":     {"audience", "profile", "--project", dir, "high_value", "-d", "customers.segment", "--format", "csv"},
		"audience error":   {"audience", "size", "--project", dir, "high_valu AND segment = 'retail'"},
		"sql error":        {"sql", "--project", dir, "SELECT channels.nam, txn_amount FROM transactions GROUP BY 1"},
		"refresh":          {"refresh", "--project", dir, "-q", "txn_daily", "txn_monthly_segment"},
		"refresh bad":      {"refresh", "--project", dir, "-q", "nope"},
		"plan json":        {"plan", "--project", dir, "--format", "json"},
		"export csv":       {"audience", "export", "--project", dir, "high_value AND NOT segment = 'staff'"},
		"export parquet":   {"audience", "export", "--project", dir, "high_value", "--format", "parquet", "-O", parquetOut},
		"export error":     {"audience", "export", "--project", dir, "high_valu"},
	}
	// Asked twice: the second answer is computed again, as locally (no
	// "cached": true from the server's result cache).
	cmds["query json again"] = cmds["query json"]
	// Reads first, then what writes: each phase runs locally, then against
	// a server over the same state.
	phases := [][]string{
		{"query table", "query csv", "query json", "query json again", "query error", "explain", "explain json", "status json", "plan",
			"sql", "sql json", "sql explain", "sql explain json", "sql error",
			"audience size", "audience profile", "audience csv", "audience error", "export csv", "export parquet", "export error"},
		{"refresh", "refresh bad", "plan json"},
		// After a tag's definition changed: its previous version is read,
		// with the same warning.
		{"export csv", "export stale"},
	}
	cmds["export stale"] = []string{"audience", "export", "--project", dir, "high_value", "-O", filepath.Join(t.TempDir(), "ids.csv")}
	for i, phase := range phases {
		if i == 2 {
			path := filepath.Join(dir, "models", "rollups.yaml")
			b, err := os.ReadFile(path)
			if err != nil || !bytes.Contains(b, []byte("where: customers.aum >= 1000000")) {
				t.Fatalf("the bank's high_value tag moved: %v", err)
			}
			if err := os.WriteFile(path, bytes.Replace(b, []byte("where: customers.aum >= 1000000"), []byte("where: customers.aum >= 900000"), 1), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		local := map[string][3]any{}
		var localParquet []byte
		for _, name := range phase {
			local[name] = runAll(cmds[name]...)
			if name == "export parquet" {
				localParquet = readAndRemove(t, parquetOut)
			}
		}
		if i == 2 && !strings.Contains(local["export stale"][2].(string), "tag high_value is stale: its definition changed") {
			t.Fatalf("export of a changed tag: %v", local["export stale"])
		}
		if i == 0 && (local["query table"][0] != 0 || local["query error"][0] != 1 || !strings.Contains(local["query error"][2].(string), "^") || local["sql error"][0] != 1 || local["audience error"][0] != 1 || local["audience size"][0] != 0) {
			t.Fatalf("local runs: %v", local)
		}
		cmd, info, logs := startServe(t, dir)
		if info["auth"] != false || info["version"] == "" || info["started_at"] == "" || info["token"] == "" {
			t.Errorf("serve.json: %v", info)
		}
		if st, err := os.Stat(filepath.Join(dir, ".strata", "serve.json")); err != nil {
			t.Error(err)
		} else if st.Mode().Perm()&0o077 != 0 {
			t.Errorf("serve.json is readable by others: %v", st.Mode())
		}
		for _, name := range phase {
			sameOutput(t, name, local[name], runAll(cmds[name]...))
			if name == "export parquet" && !bytes.Equal(localParquet, readAndRemove(t, parquetOut)) {
				t.Errorf("the Parquet export over the server differs from the local one (%d bytes locally)", len(localParquet))
			}
		}
		if i == 0 {
			othersBesideTheServer(t, dir, info)
		}
		// The access log is read once the server has exited: a request's
		// line is written after its answer is sent.
		stopServe(t, cmd, logs)
		if _, err := os.Stat(filepath.Join(dir, ".strata", "serve.json")); !os.IsNotExist(err) {
			t.Errorf("serve.json after a clean shutdown: %v", err)
		}
		routes := [][]string{
			{"/v1/query", "/v1/explain", "/v1/sql", "/v1/sql/explain", "/v1/rollups", "/v1/plan", "/v1/audiences", "/v1/audiences/export"},
			{"/v1/refresh", "/v1/plan"},
			{"/v1/audiences/export"},
		}[i]
		for _, route := range routes {
			if !strings.Contains(logs.String(), "path="+route+" ") {
				t.Errorf("the server's access log shows no %s: did the CLI open the warehouse itself?\n%s", route, logs.String())
			}
		}
	}

	// A stale serve.json — a live pid, an address nobody answers — is
	// ignored: the command opens the warehouse itself.
	local := runAll(cmds["query csv"]...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadAddr := ln.Addr().String()
	ln.Close()
	stale, _ := json.Marshal(map[string]any{"addr": deadAddr, "pid": os.Getpid(), "started_at": time.Now(), "version": "0"})
	if err := os.WriteFile(filepath.Join(dir, ".strata", "serve.json"), stale, 0o600); err != nil {
		t.Fatal(err)
	}
	sameOutput(t, "query with a stale serve.json", local, runAll(cmds["query csv"]...))
	// … and the next serve replaces it.
	cmd, info, logs := startServe(t, dir)
	if info["addr"] == deadAddr {
		t.Errorf("serve kept the stale serve.json: %v", info)
	}
	// A server killed with SIGKILL leaves its serve.json behind; its pid is
	// dead, so the file is ignored.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, err := os.Stat(filepath.Join(dir, ".strata", "serve.json")); err != nil {
		t.Fatalf("serve.json after SIGKILL: %v", err)
	}
	sameOutput(t, "query after the server was killed", local, runAll(cmds["query csv"]...))
	cmd, _, logs = startServe(t, dir)
	stopServe(t, cmd, logs)
}

// While `strata materialize` runs on the embedded engine it owns the
// warehouse file as serve does: it answers the CLI on a loopback port named
// in serve.json (to the owner token alone: no request without it), query,
// explain, status and refresh print what they print locally, serve beside
// it fails naming it, and a clean stop removes serve.json.
func TestCommandsTalkToMaterialize(t *testing.T) {
	dir := copyProject(t, bankProject(t))
	if code, out, errs := run("refresh", "--project", dir, "-q"); code != 0 {
		t.Fatalf("first refresh: exit %d\n%s%s", code, out, errs)
	}
	q := []string{"--project", dir, "-m", "txn_amount,txn_count", "-d", "channels.name", "--order", "channels.name"}
	cmds := [][]string{
		append([]string{"query", "--format", "csv"}, q...),
		append([]string{"explain"}, q...),
		{"query", "--project", dir, "-m", "txn_amount", "--where", "customers.segmnt = 'retail'"},
		{"refresh", "--project", dir, "-q", "txn_daily"},
	}
	var local [][3]any
	for _, c := range cmds {
		local = append(local, runAll(c...))
	}
	cmd, info, logs := startOwner(t, dir, []string{"materialize", "--project", dir})
	if info["kind"] != "materialize" || info["auth"] != true || info["token"] == "" || !strings.HasPrefix(info["addr"].(string), "127.0.0.1:") {
		t.Fatalf("serve.json of materialize: %v", info)
	}
	// The refresh writes a new version: explain names the version's table.
	version := regexp.MustCompile(`(r_[a-z0-9_]+_[0-9a-f]{8})_[0-9]+`)
	for i, c := range cmds {
		remote := runAll(c...)
		l := local[i]
		l[1] = version.ReplaceAllString(l[1].(string), "${1}_V")
		remote[1] = version.ReplaceAllString(remote[1].(string), "${1}_V")
		sameOutput(t, c[0]+" beside materialize", l, remote)
	}
	if code, out, errs := run("status", "--project", dir); code != 0 || !strings.Contains(out, "txn_daily") {
		t.Errorf("status beside materialize: exit %d\n%s%s", code, out, errs)
	}
	resp, err := http.Post("http://"+info["addr"].(string)+"/v1/query", "application/json", strings.NewReader(`{"metrics":["txn_count"]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a request without the owner token got %d, want 401", resp.StatusCode)
	}
	pid := strconv.Itoa(int(info["pid"].(float64)))
	for _, args := range [][]string{{"serve", "--project", dir, "--addr", "127.0.0.1:0"}, {"materialize", "--project", dir}} {
		code, out, errs := run(args...)
		want := "strata materialize (pid " + pid + ", http://" + info["addr"].(string) + ") owns this project's warehouse"
		if code != 1 || !strings.Contains(errs, want) || strings.Contains(strings.ToLower(out+errs), "lock") {
			t.Errorf("strata %s beside materialize: exit %d, want 1 and %q\n%s%s", args[0], code, want, out, errs)
		}
	}
	stopServe(t, cmd, logs)
	if _, err := os.Stat(filepath.Join(dir, ".strata", "serve.json")); !os.IsNotExist(err) {
		t.Errorf("serve.json after materialize stopped: %v", err)
	}
	if !strings.Contains(logs.String(), "path=/v1/refresh ") {
		t.Errorf("materialize's log shows no refresh over its API:\n%s", logs.String())
	}
	sameOutput(t, "query after materialize stopped", local[0], runAll(cmds[0]...))
}

func readAndRemove(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the export wrote no file: %v", err)
	}
	if len(b) == 0 {
		t.Fatalf("the export wrote an empty file")
	}
	os.Remove(path)
	return b
}

// othersBesideTheServer runs the commands that do not ask the server while
// it owns the warehouse: validate, describe, doctor, compile, init and
// version need no warehouse and work; materialize and a second serve must
// open it, and fail at once naming the server and what to do. None prints
// DuckDB's lock error.
func othersBesideTheServer(t *testing.T, dir string, info map[string]any) {
	t.Helper()
	pid := strconv.Itoa(int(info["pid"].(float64)))
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"validate", "--project", dir}, 0, "ok: "},
		{[]string{"describe", "--project", dir}, 0, "wide table transactions"},
		{[]string{"doctor", "--project", dir}, 0, "no problems"},
		{[]string{"init", filepath.Join(t.TempDir(), "new")}, 0, ""},
		{[]string{"compile", "--project", dir, "-m", "txn_count", "-d", "channels.name"}, 0, "SELECT"},
		{[]string{"version"}, 0, "strata "},
		{[]string{"materialize", "--project", dir}, 1, "strata serve (pid " + pid + ", http://" + info["addr"].(string) + ") owns this project's warehouse"},
		{[]string{"serve", "--project", dir, "--addr", "127.0.0.1:0"}, 1, "the CLI asks the running one"},
	}
	for _, c := range cases {
		code, out, errs := run(c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("strata %s beside the server: exit %d, want %d and %q\n%s%s", strings.Join(c.args, " "), code, c.code, c.want, out, errs)
		}
		if strings.Contains(strings.ToLower(out+errs), "lock") {
			t.Errorf("strata %s beside the server printed a lock error:\n%s%s", strings.Join(c.args, " "), out, errs)
		}
	}
}

// When the server asks for a key: the CLI sends --token or STRATA_TOKEN
// when given (the request is then that key's), else serve.json's owner
// token; a wrong key is refused, and without any it fails at once, saying
// what to set. No key of the server is written to serve.json.
func TestCommandsSendTheKeyTheServerAsksFor(t *testing.T) {
	dir := copyProject(t, bankProject(t))
	if code, out, errs := run("refresh", "--project", dir, "-q", "txn_daily"); code != 0 {
		t.Fatalf("refresh: exit %d\n%s%s", code, out, errs)
	}
	args := []string{"query", "--project", dir, "-m", "txn_count", "-d", "channels.name", "--format", "csv"}
	local := runAll(args...)
	cmd, info, logs := startServe(t, dir, "STRATA_API_TOKEN=s3cret-token")
	path := filepath.Join(dir, ".strata", "serve.json")
	b, err := os.ReadFile(path)
	if err != nil || info["auth"] != true || bytes.Contains(b, []byte("s3cret")) {
		t.Fatalf("serve.json of a server with a token: %s %v", b, err)
	}
	t.Setenv("STRATA_TOKEN", "")
	sameOutput(t, "query with the owner token", local, runAll(args...))
	if code, _, errs := run(append(args, "--token", "wrong")...); code != 1 || !strings.Contains(errs, "refused the key") {
		t.Errorf("with a wrong token: exit %d, %s", code, errs)
	}
	t.Setenv("STRATA_TOKEN", "s3cret-token")
	sameOutput(t, "query with STRATA_TOKEN", local, runAll(args...))

	// serve.json as another user would have it: no owner token.
	delete(info, "token")
	other, _ := json.Marshal(info)
	if err := os.WriteFile(path, other, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STRATA_TOKEN", "")
	if code, _, errs := run(args...); code != 1 || !strings.Contains(errs, "STRATA_TOKEN") || !strings.Contains(errs, "asks for a key") {
		t.Errorf("without a token: exit %d, %s", code, errs)
	}
	stopServe(t, cmd, logs)
}
