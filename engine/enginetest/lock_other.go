//go:build !unix

package enginetest

import "testing"

// serverLock is a no-op where file locks are not at hand: run the packages
// that test against a server one at a time there (go test -p 1).
func serverLock(testing.TB, string) bool { return false }
