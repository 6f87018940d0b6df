//go:build linux

package cli_test

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"unsafe"

	"github.com/strata-metrics/strata/cli"
)

// openPTY opens a pseudo-terminal (Linux's /dev/ptmx): the CLI draws its
// progress bars only on a terminal, so the test hands it the terminal's
// side and reads what it drew from the other.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no pseudo-terminal to draw on: %v", err)
		}
		t.Skipf("no pseudo-terminal to draw on: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		m.Close()
		t.Fatalf("unlocking the pseudo-terminal: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		m.Close()
		t.Fatalf("naming the pseudo-terminal: %v", e)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Fatalf("opening the pseudo-terminal: %v", err)
	}
	return m, s
}

// onTerminal runs the command line with its standard error on a
// pseudo-terminal and returns the exit code, standard output and what was
// drawn on the terminal.
func onTerminal(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	master, tty := openPTY(t)
	var drawn bytes.Buffer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = io.Copy(&drawn, master) // ends with EIO once the terminal side is closed
	}()
	var out bytes.Buffer
	code := cli.Main(args, strings.NewReader(""), &out, tty)
	tty.Close()
	wg.Wait()
	master.Close()
	return code, out.String(), drawn.String()
}

// A refresh over the running server draws the progress bar a local one
// draws — "building rollups", counted to the rollups named — from the
// server's progress stream, and prints the same report.
func TestRefreshOverTheServerDrawsTheSameBar(t *testing.T) {
	dir := copyProject(t, bankProject(t))
	if code, out, errs := run("refresh", "--project", dir, "-q"); code != 0 {
		t.Fatalf("first refresh: exit %d\n%s%s", code, out, errs)
	}
	args := []string{"refresh", "--project", dir, "txn_daily", "txn_monthly_segment"}
	localCode, localOut, localBar := onTerminal(t, args...)
	cmd, _, logs := startServe(t, dir)
	remoteCode, remoteOut, remoteBar := onTerminal(t, args...)
	stopServe(t, cmd, logs)
	if !strings.Contains(logs.String(), "path=/v1/refresh ") {
		t.Fatalf("the refresh did not go to the server:\n%s", logs.String())
	}
	sameOutput(t, "refresh on a terminal", [3]any{localCode, localOut, ""}, [3]any{remoteCode, remoteOut, ""})
	for what, bar := range map[string]string{"local": localBar, "over the server": remoteBar} {
		if !strings.Contains(bar, "building rollups") || !strings.Contains(bar, "/2)") {
			t.Errorf("the %s refresh drew no bar counting 2 rollups:\n%q", what, bar)
		}
	}
}
