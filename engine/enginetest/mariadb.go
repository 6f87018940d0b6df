package enginetest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/strata-metrics/strata/engine/mysql"
)

// Server is a throwaway mariadbd a test started for itself, to stop it
// whenever the test needs (the shared test server must keep serving).
type Server struct {
	// DSN reaches the server as root over TCP (no password) with database test.
	DSN  string
	Addr string
	dir  string
	bin  string
	args []string
	cmd  *exec.Cmd
	done chan error
}

// StartMariaDB starts a private mariadbd with a fresh data directory on a
// free port of 127.0.0.1, with its time zone tables loaded (CONVERT_TZ
// returns NULL without them), and stops it when the test ends. Without the
// MariaDB server binaries the test is skipped (failed under CI).
func StartMariaDB(t testing.TB) *Server {
	t.Helper()
	s := StartBareMariaDB(t)
	tzinfo, err := exec.LookPath("mariadb-tzinfo-to-sql")
	if err != nil {
		t.Fatalf("mariadb-tzinfo-to-sql: %v", err)
	}
	client, err := exec.LookPath("mariadb")
	if err != nil {
		t.Fatalf("the mariadb client is not installed: `apt-get install mariadb-client`: %v", err)
	}
	zones := exec.Command(tzinfo, "/usr/share/zoneinfo")
	load := exec.Command(client, "--no-defaults", "--socket="+filepath.Join(s.dir, "sock"), "-uroot", "mysql")
	pipe, err := zones.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	load.Stdin = pipe
	if err := zones.Start(); err != nil {
		t.Fatal(err)
	}
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("loading the time zone tables: %v\n%s", err, out)
	}
	_ = zones.Wait()
	return s
}

// StartBareMariaDB is StartMariaDB without the time zone tables.
func StartBareMariaDB(t testing.TB) *Server {
	t.Helper()
	server, err1 := exec.LookPath("mariadbd")
	install, err2 := exec.LookPath("mariadb-install-db")
	if err1 != nil || err2 != nil {
		msg := "mariadbd and mariadb-install-db are not installed: `apt-get install mariadb-server mariadb-client` (or run .ci/run)"
		if InCI() {
			t.Fatal("CI=true but " + msg)
		}
		t.Skip(msg)
	}
	dir, err := os.MkdirTemp("", "strata-mariadb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	u := "mysql"
	if me, err := user.Current(); err == nil {
		u = me.Username
	}
	out, err := exec.Command(install, "--no-defaults", "--datadir="+filepath.Join(dir, "data"), "--user="+u,
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	port := freePort(t)
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir}
	s.DSN = fmt.Sprintf("root@tcp(%s)/test", s.Addr)
	s.bin = server
	s.args = []string{"--no-defaults", "--user=" + u, "--datadir=" + filepath.Join(dir, "data"),
		"--socket=" + filepath.Join(dir, "sock"), "--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--skip-name-resolve", "--log-error=" + filepath.Join(dir, "error.log"), "--innodb-buffer-pool-size=32M"}
	t.Cleanup(s.Stop)
	s.start(t)
	return s
}

// Restart starts the stopped server again on the same data and address, as
// an operator would after a crash.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.start(t)
}

func (s *Server) start(t testing.TB) {
	t.Helper()
	s.cmd = exec.Command(s.bin, s.args...)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("mariadbd: %v", err)
	}
	done := make(chan error, 1)
	s.done = done
	cmd := s.cmd
	go func() { done <- cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		db, err := mysql.Open(ctx, mysql.Config{DSN: fmt.Sprintf("root@tcp(%s)/", s.Addr), Retries: -1})
		if err == nil {
			err = db.Exec(ctx, "CREATE DATABASE IF NOT EXISTS test")
			db.Close()
			if err == nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			log, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
			t.Fatalf("mariadbd did not answer within 60 s: %v\n%s", err, log)
		case err := <-done:
			done <- err
			log, _ := os.ReadFile(filepath.Join(s.dir, "error.log"))
			t.Fatalf("mariadbd exited: %v\n%s", err, log)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case err := <-s.done:
		s.done <- err
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	err := <-s.done
	s.done <- err
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
