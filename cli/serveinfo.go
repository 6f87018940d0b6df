package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// One owner of the warehouse. DuckDB lets one process write a database
// file, so while `strata serve` or `strata materialize` runs no other
// process may open it. The owner records where its DataAPI listens in
// <project>/.strata/serve.json (materialize listens on a loopback port of
// its own, for the CLI alone):
//  1. written at listen, to a temporary name then renamed, so a reader sees
//     the whole file or none; removed on a clean shutdown (only by the
//     process it names, so a newer server's file is never taken away);
//  2. it holds the address, the pid, the start time, whether the API asks
//     for a key, the version, and the owner token (api/owner.go): a random
//     token of this process that reads as the warehouse does. The file is
//     readable by its owner alone, the user who could open the warehouse
//     file; no key of api.keys is ever written;
//  3. a file whose pid is dead, or whose address does not answer /readyz,
//     is stale (the server was killed): the CLI ignores it and the next
//     serve replaces it.
// The CLI's warehouse commands read it first and, when its server is live,
// ask that server over the DataAPI instead of opening the warehouse
// (remote.go).

// serveInfo is serve.json.
type serveInfo struct {
	Addr string `json:"addr"`
	PID  int    `json:"pid"`
	// Kind is the command that owns the warehouse: "serve" (also when
	// absent) or "materialize".
	Kind      string    `json:"kind,omitempty"`
	StartedAt time.Time `json:"started_at"`
	// Auth says the DataAPI asks for a key (api.keys or STRATA_API_TOKEN):
	// the CLI then sends STRATA_TOKEN or --token.
	Auth bool `json:"auth"`
	// Token is the owner token: sent by the CLI when no key is given.
	Token   string `json:"token,omitempty"`
	Version string `json:"version"`
	Project string `json:"project"`
	// Model is the digest of the model files the server loaded (service.ModelVersion):
	// a CLI whose model differs says that the answers follow the server's.
	Model string `json:"model"`
}

// owner names the process for messages: "strata serve (pid 12, http://…)".
func (si *serveInfo) owner() string {
	return fmt.Sprintf("%s (pid %d, http://%s)", si.command(), si.PID, si.Addr)
}

// command is the owner's command line name: strata serve or strata materialize.
func (si *serveInfo) command() string {
	if si.Kind == "materialize" {
		return "strata materialize"
	}
	return "strata serve"
}

func serveInfoPath(dir string) string { return filepath.Join(dir, ".strata", "serve.json") }

// writeServeInfo records the server atomically (step 1).
func writeServeInfo(dir string, si serveInfo) error {
	path := serveInfoPath(dir)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(si, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".serve-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// removeServeInfo removes serve.json if it still names this process.
func removeServeInfo(dir string, pid int) {
	si, err := readServeInfo(dir)
	if err == nil && si != nil && si.PID == pid {
		_ = os.Remove(serveInfoPath(dir))
	}
}

// readServeInfo reads serve.json; nil without one. A file that cannot be
// read as one is treated as absent: it names no server to ask.
func readServeInfo(dir string) (*serveInfo, error) {
	b, err := os.ReadFile(serveInfoPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var si serveInfo
	if json.Unmarshal(b, &si) != nil || si.Addr == "" || si.PID <= 0 {
		return nil, nil
	}
	return &si, nil
}

// live reports whether the recorded server runs and answers (step 3).
// /readyz answering at all counts: a server that is not ready yet still
// owns the warehouse.
func (si *serveInfo) live(ctx context.Context) bool {
	if err := syscall.Kill(si.PID, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+si.Addr+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusServiceUnavailable
}
