package mysql

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/strata-metrics/strata/engine"
)

// Config says how to reach and use a MySQL-protocol engine.
type Config struct {
	// DSN is the driver's form, user:password@tcp(host:port)/database?params,
	// with any ${VAR} already expanded by the caller. Its credentials never
	// appear in an error or a log line.
	DSN string
	// Dialect is the SQL the server speaks: mysql (default), starrocks or doris.
	Dialect string
	// MaxOpenConns bounds the pool (default 8); MaxIdleConns keeps that many
	// open between queries (default 4); ConnMaxLifetime recycles connections
	// (default 30 minutes) so that a server-side timeout never hands out a dead one.
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// QueryTimeout, when > 0, bounds every statement; a statement past it is
	// killed on the server and fails with engine.ErrCanceled.
	QueryTimeout time.Duration
	// TLSCAFile, when set, is a PEM file of the CAs that sign the server's
	// certificate; the connection then requires TLS. (tls=true|skip-verify|preferred
	// in the DSN selects the driver's own modes.)
	TLSCAFile string
	// Retries is how many times a transient failure is retried (default 3;
	// negative: never); RetryBackoff is the first wait, doubled each time (default 50ms).
	Retries      int
	RetryBackoff time.Duration
}

// DB is an open MySQL-protocol engine.
type DB struct {
	db      *sql.DB // the pool queries run on
	ctl     *sql.DB // a separate small pool for KILL QUERY: a full pool must not block a cancel
	cfg     Config
	secrets []string
	ids     sync.Map // driver connection → server connection id
}

var _ engine.Engine = (*DB)(nil)

// Open connects to the engine and checks that it answers.
func Open(ctx context.Context, c Config) (*DB, error) {
	if c.Dialect == "" {
		c.Dialect = "mysql"
	}
	switch c.Dialect {
	case "mysql", "starrocks", "doris":
	default:
		return nil, fmt.Errorf("mysql: unknown dialect %q (want mysql, starrocks or doris)", c.Dialect)
	}
	defaults(&c)
	secrets := dsnSecrets(c.DSN)
	mc, err := gomysql.ParseDSN(c.DSN)
	if err != nil {
		return nil, fmt.Errorf("mysql: the DSN is not valid (want user:password@tcp(host:port)/database): %s", scrub(err.Error(), secrets))
	}
	secrets = append(secrets, mc.Passwd)
	// The dialect reads naive DATETIME values as UTC and writes time literals
	// in UTC: every session must run in UTC whatever the server's default.
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["time_zone"] = "'+00:00'"
	if c.Dialect == "mysql" {
		// Division and AVG keep div_precision_increment more fraction digits
		// than their operands (4 by default): 30, the most MySQL and MariaDB
		// allow, keeps derived ratios as close to exact as a DOUBLE is.
		mc.Params["div_precision_increment"] = "30"
	}
	mc.ParseTime = true
	mc.Loc = time.UTC
	// Arguments are escaped client-side: one round trip per statement, and
	// StarRocks and Doris need no server-side prepared statements.
	mc.InterpolateParams = true
	mc.Logger = &gomysql.NopLogger{}
	if mc.Timeout == 0 {
		mc.Timeout = 10 * time.Second
	}
	if c.TLSCAFile != "" {
		pem, err := os.ReadFile(c.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("mysql: TLS CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mysql: TLS CA file %s holds no PEM certificate", c.TLSCAFile)
		}
		host, _, err := net.SplitHostPort(mc.Addr)
		if err != nil {
			host = mc.Addr
		}
		mc.TLS = &tls.Config{RootCAs: pool, ServerName: host, MinVersion: tls.VersionTLS12}
	}
	connector, err := gomysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("mysql: %s", scrub(err.Error(), secrets))
	}
	d := &DB{db: sql.OpenDB(connector), ctl: sql.OpenDB(connector), cfg: c, secrets: secrets}
	d.db.SetMaxOpenConns(c.MaxOpenConns)
	d.db.SetMaxIdleConns(c.MaxIdleConns)
	d.db.SetConnMaxLifetime(c.ConnMaxLifetime)
	d.ctl.SetMaxOpenConns(2)
	d.ctl.SetMaxIdleConns(1)
	d.ctl.SetConnMaxLifetime(c.ConnMaxLifetime)
	err = d.retry(ctx, true, func() (bool, error) { return true, d.db.PingContext(ctx) })
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("mysql: cannot connect to %s: %s", mc.Addr, d.message(ctx, err))
	}
	return d, nil
}

func defaults(c *Config) {
	if c.MaxOpenConns <= 0 {
		c.MaxOpenConns = 8
	}
	if c.MaxIdleConns <= 0 {
		c.MaxIdleConns = min(4, c.MaxOpenConns)
	}
	if c.ConnMaxLifetime <= 0 {
		c.ConnMaxLifetime = 30 * time.Minute
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 50 * time.Millisecond
	}
}

// Dialect implements engine.Engine.
func (d *DB) Dialect() string { return d.cfg.Dialect }

// Close implements engine.Engine.
func (d *DB) Close() error {
	err := d.db.Close()
	if cerr := d.ctl.Close(); err == nil {
		err = cerr
	}
	return err
}

// Query implements engine.Engine: the rows are streamed from the server and
// collected.
func (d *DB) Query(ctx context.Context, q string, args ...any) (*engine.Result, error) {
	res := &engine.Result{}
	err := d.Stream(ctx, q, args, func(cols []engine.Column, row []any) error {
		if res.Columns == nil {
			res.Columns = cols
		}
		if row != nil {
			res.Rows = append(res.Rows, append([]any(nil), row...))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if res.Columns == nil {
		res.Columns = []engine.Column{}
	}
	return res, nil
}

// Stream runs a statement that returns rows and calls fn for each row as it
// is read from the wire, so a large result never sits in memory whole. row
// is reused between calls: copy what you keep. A statement that fails before
// its first row on a transient error is retried; one that fails later is not.
// fn is also called once with a nil row when the result has no rows, so the
// caller learns the columns.
func (d *DB) Stream(ctx context.Context, q string, args []any, fn func(cols []engine.Column, row []any) error) error {
	ctx, cancel := d.withTimeout(ctx)
	defer cancel()
	delivered := false
	err := d.retry(ctx, true, func() (bool, error) {
		err := d.onConn(ctx, func(conn *sql.Conn) error {
			rows, err := conn.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			cols, kinds, err := describe(rows)
			if err != nil {
				return err
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			row := make([]any, len(cols))
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					return err
				}
				for i, v := range vals {
					if row[i], err = convert(v, kinds[i]); err != nil {
						return fmt.Errorf("column %s: %w", cols[i].Name, err)
					}
				}
				delivered = true
				if err := fn(cols, row); err != nil {
					return &callerError{err}
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if !delivered {
				delivered = true
				if err := fn(cols, nil); err != nil {
					return &callerError{err}
				}
			}
			return nil
		})
		return !delivered, err
	})
	var ce *callerError
	if errors.As(err, &ce) {
		return ce.err
	}
	return d.wrap(ctx, q, err)
}

// callerError carries an error of Stream's callback out unchanged.
type callerError struct{ err error }

func (e *callerError) Error() string { return e.err.Error() }

// Exec implements engine.Engine. Only failures that say the statement did
// not run (deadlock, too many connections) are retried: a connection lost
// after the statement was sent may have run it.
func (d *DB) Exec(ctx context.Context, q string, args ...any) error {
	ctx, cancel := d.withTimeout(ctx)
	defer cancel()
	err := d.retry(ctx, false, func() (bool, error) {
		return true, d.onConn(ctx, func(conn *sql.Conn) error {
			_, err := conn.ExecContext(ctx, q, args...)
			return err
		})
	})
	return d.wrap(ctx, q, err)
}

// ExecTx implements engine.Engine. A transaction that deadlocks is rolled
// back by the server and retried whole. MySQL commits implicitly before and
// after DDL: statements such as CREATE TABLE or RENAME TABLE in stmts are not
// undone by a later failure.
func (d *DB) ExecTx(ctx context.Context, stmts ...engine.Statement) error {
	ctx, cancel := d.withTimeout(ctx)
	defer cancel()
	failed := "BEGIN"
	err := d.retry(ctx, false, func() (bool, error) {
		return true, d.onConn(ctx, func(conn *sql.Conn) error {
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				failed = "BEGIN"
				return err
			}
			for _, st := range stmts {
				if _, err := tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
					_ = tx.Rollback()
					failed = st.SQL
					return err
				}
			}
			failed = "COMMIT"
			return tx.Commit()
		})
	})
	return d.wrap(ctx, failed, err)
}

// withTimeout applies the configured statement timeout.
func (d *DB) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.cfg.QueryTimeout > 0 {
		return context.WithTimeout(ctx, d.cfg.QueryTimeout)
	}
	return context.WithCancel(ctx)
}

// onConn runs f on one pooled connection and kills the server-side statement
// when ctx ends first. The driver only closes its socket on cancel, and the
// server would go on running the statement (and holding its locks) until it
// noticed; KILL QUERY from another connection stops it at once.
func (d *DB) onConn(ctx context.Context, f func(*sql.Conn) error) error {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	id, err := d.connID(ctx, conn)
	if err != nil {
		conn.Close()
		return err
	}
	stop := context.AfterFunc(ctx, func() { d.kill(id) })
	err = f(conn)
	if !stop() || ctx.Err() != nil {
		// The context may have ended before the statement reached the
		// server, and the first KILL found nothing to stop: kill again now
		// that the driver has given up on it.
		if err != nil {
			d.kill(id)
		}
		// Killed or abandoned mid-statement: never hand this connection out again.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	conn.Close()
	return err
}

// connID returns the server's id of the connection, asked once per connection.
func (d *DB) connID(ctx context.Context, conn *sql.Conn) (int64, error) {
	var key any
	_ = conn.Raw(func(dc any) error { key = dc; return nil })
	if id, ok := d.ids.Load(key); ok {
		return id.(int64), nil
	}
	var id int64
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		return 0, err
	}
	d.ids.Store(key, id)
	return id, nil
}

// kill stops the statement running on connection id. It runs after the
// caller's context ended, so it has its own short deadline.
func (d *DB) kill(id int64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = d.ctl.ExecContext(ctx, "KILL QUERY "+strconv.FormatInt(id, 10))
}

// ServerVersion reports the server's version string.
func (d *DB) ServerVersion(ctx context.Context) (string, error) {
	res, err := d.Query(ctx, "SELECT VERSION()")
	if err != nil {
		return "", err
	}
	if len(res.Rows) != 1 {
		return "", fmt.Errorf("mysql: SELECT VERSION() returned %d rows", len(res.Rows))
	}
	v, _ := res.Rows[0][0].(string)
	return v, nil
}

// WithDatabase returns dsn with its default database replaced.
func WithDatabase(dsn, database string) (string, error) {
	c, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("mysql: the DSN is not valid: %s", Scrub(err.Error(), dsn))
	}
	c.DBName = database
	return c.FormatDSN(), nil
}
