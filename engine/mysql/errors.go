package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/strata-metrics/strata/engine"
)

// Server error numbers that say the statement did not take effect and may be
// sent again.
const (
	errDeadlock           = 1213 // ER_LOCK_DEADLOCK: the transaction was rolled back
	errTooManyConnections = 1040 // ER_CON_COUNT_ERROR: refused before anything ran
)

// retry runs op until it succeeds, fails for good, or the retries run out.
// op reports whether a failure may be retried at all (a stream that already
// delivered rows may not); read says whether a lost connection is safe to
// retry, which it is only for statements that change nothing.
func (d *DB) retry(ctx context.Context, read bool, op func() (bool, error)) error {
	wait := d.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		again, err := op()
		if err == nil || !again || attempt >= d.cfg.Retries || ctx.Err() != nil || !transient(err, read) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait *= 2
	}
}

// transient reports whether err is worth retrying: a deadlock or too many
// connections always; a reset connection only for reads.
func transient(err error, read bool) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == errDeadlock || me.Number == errTooManyConnections
	}
	if !read {
		return false
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, gomysql.ErrInvalidConn) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, io.ErrUnexpectedEOF)
}

// wrap turns a failure into an engine.Error with a clean message: a context
// that ended is engine.ErrCanceled; anything else keeps the server's message
// without the credentials.
func (d *DB) wrap(ctx context.Context, q string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &engine.Error{SQL: q, Err: engine.ErrCanceled}
	}
	var me *gomysql.MySQLError
	if errors.As(err, &me) && me.Number == 1317 { // ER_QUERY_INTERRUPTED: killed by KILL QUERY
		return &engine.Error{SQL: q, Err: engine.ErrCanceled}
	}
	return &engine.Error{SQL: q, Err: &scrubbed{msg: d.message(ctx, err), err: err}}
}

// scrubbed is a driver error with a message fit for users; the original stays
// in the chain for errors.As (server error numbers), never in the text.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// message is err's text for a user: the driver's wording of a lost
// connection replaced by what happened, credentials removed.
func (d *DB) message(ctx context.Context, err error) string {
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, gomysql.ErrInvalidConn),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the connection to the server was lost (the server stopped or dropped it); the statement's effect is unknown until the server is back"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the server refused the connection (is it running and listening on this address?)"
	}
	return scrub(err.Error(), d.secrets)
}

var userinfo = regexp.MustCompile(`([^\s/@:]+):([^\s@]*)@(tcp|unix|tcp6|\()`)

// dsnSecrets finds the password in a DSN even when the DSN does not parse.
func dsnSecrets(dsn string) []string {
	var out []string
	if m := userinfo.FindStringSubmatch(dsn); m != nil && m[2] != "" {
		out = append(out, m[2])
		if u, err := url.QueryUnescape(m[2]); err == nil && u != m[2] {
			out = append(out, u)
		}
	}
	return out
}

// scrub removes every secret and any user:password@ form from msg.
func scrub(msg string, secrets []string) string {
	msg = userinfo.ReplaceAllString(msg, "$1:***@$3")
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "***")
		}
	}
	return msg
}

// Scrub removes the DSN's credentials from a message, for callers that print
// text which may quote the DSN.
func Scrub(msg, dsn string) string { return scrub(msg, dsnSecrets(dsn)) }
