package mysql

import (
	"database/sql/driver"
	"fmt"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"
)

func TestTransient(t *testing.T) {
	cases := []struct {
		err         error
		read, write bool
	}{
		{&gomysql.MySQLError{Number: 1213, Message: "Deadlock found"}, true, true},
		{&gomysql.MySQLError{Number: 1040, Message: "Too many connections"}, true, true},
		{fmt.Errorf("wrapped: %w", &gomysql.MySQLError{Number: 1213}), true, true},
		{&gomysql.MySQLError{Number: 1064, Message: "syntax"}, false, false},
		{&gomysql.MySQLError{Number: 1146, Message: "no such table"}, false, false},
		{gomysql.ErrInvalidConn, true, false},
		{driver.ErrBadConn, true, false},
		{fmt.Errorf("boom"), false, false},
	}
	for _, c := range cases {
		if got := transient(c.err, true); got != c.read {
			t.Errorf("transient(%v, read) = %v", c.err, got)
		}
		if got := transient(c.err, false); got != c.write {
			t.Errorf("transient(%v, write) = %v", c.err, got)
		}
	}
}

func TestScrub(t *testing.T) {
	dsn := "app:p%40ss:w0rd@tcp(db:3306)/x"
	msg := "dial app:p%40ss:w0rd@tcp(db:3306)/x failed; password p@ss:w0rd"
	got := Scrub(msg, dsn)
	for _, s := range []string{"p%40ss", "p@ss:w0rd", "w0rd"} {
		if contains(got, s) {
			t.Fatalf("Scrub left %q in %q", s, got)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
