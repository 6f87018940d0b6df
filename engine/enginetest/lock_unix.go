//go:build unix

package enginetest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// serverLock holds the test server for this test process until the test
// ends. The server's state schema (_strata) is one database shared by every
// test database on it, and `go test ./...` runs the packages at once: two
// tests building rollups of the same names would overwrite each other's
// state rows and drop each other's tables. The lock is a file lock named
// after the server, taken by every process testing against it; within a
// process it is counted, so a test opening two databases does not wait on
// itself. first is true when this call took the lock: no other test of
// this process holds the server.
func serverLock(t testing.TB, dsn string) (first bool) {
	t.Helper()
	sum := sha256.Sum256([]byte(dsn))
	path := filepath.Join(os.TempDir(), "strata-test-server-"+hex.EncodeToString(sum[:])[:12]+".lock")
	locks.mu.Lock()
	defer locks.mu.Unlock()
	if locks.held == nil {
		locks.held = map[string]*heldLock{}
	}
	h := locks.held[path]
	if h == nil {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			t.Fatalf("test server lock: %v", err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
			f.Close()
			t.Fatalf("test server lock: %v", err)
		}
		h = &heldLock{f: f}
		locks.held[path] = h
		first = true
	}
	h.n++
	t.Cleanup(func() {
		locks.mu.Lock()
		defer locks.mu.Unlock()
		if h.n--; h.n == 0 {
			_ = syscall.Flock(int(h.f.Fd()), syscall.LOCK_UN)
			h.f.Close()
			delete(locks.held, path)
		}
	})
	return first
}

type heldLock struct {
	f *os.File
	n int
}

var locks struct {
	mu   sync.Mutex
	held map[string]*heldLock
}
