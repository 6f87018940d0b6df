package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/api/mysqlwire"
	"github.com/strata-metrics/strata/compiler/sqlfront"
	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).sqlCmd)
}

func (e *env) sqlCmd() *cobra.Command {
	var format, file string
	var explain bool
	var opts service.SQLOptions
	cmd := &cobra.Command{
		Use:   `sql "SELECT …"`,
		Short: "Answer a SELECT over a fact's wide table",
		Long: `Answer a SELECT over a fact's wide table: fields as table.column, metrics as
columns (bare, MEASURE(m) or their own aggregate), WHERE on fields, HAVING on
metrics, GROUP BY, ORDER BY, LIMIT and OFFSET. It becomes the same metric query
as strata query, answered by the same rollups; --explain shows that query, the
rollup verdicts and the engine SQL.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			stmt, err := e.statement(args, file)
			if err != nil {
				return err
			}
			return e.withRemote(func(ctx context.Context, r *remote) error {
				if explain {
					x, err := r.explainSQL(ctx, stmt, opts)
					if err != nil {
						return e.sqlError(stmt, err)
					}
					return e.printSQLExplain(x.Query, x.Columns, x.Explain, format)
				}
				res, err := r.sql(ctx, stmt, opts)
				if err != nil {
					return e.sqlError(stmt, err)
				}
				return e.printResult(res, format)
			}, func(ctx context.Context, w *service.Project) error {
				if explain {
					return e.explainSQL(ctx, w, stmt, opts, format)
				}
				res, err := w.SQL(ctx, stmt, nil, opts)
				if err != nil {
					return e.sqlError(stmt, err)
				}
				return e.printResult(res, format)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "table", "output: table | csv | json")
	f.BoolVar(&explain, "explain", false, "show the metric query, the rollup verdicts and the engine SQL; run nothing")
	f.BoolVar(&opts.NoRollup, "no-rollup", false, "answer from the raw tables, never a rollup")
	f.StringVar(&opts.Freshness, "freshness", "", "how stale a rollup may be (e.g. 1h); default: the project's")
	f.StringVarP(&file, "file", "f", "", "read the statement from a file (- for stdin)")
	return cmd
}

// statement is the SQL given as the argument or read from a file.
func (e *env) statement(args []string, file string) (string, error) {
	switch {
	case file != "" && len(args) > 0:
		return "", usage("give the statement as an argument or with -f, not both")
	case file == "-":
		b, err := readAll(e.stdin)
		return string(b), err
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", usage("%v", err)
		}
		return string(b), nil
	case len(args) == 0 || strings.TrimSpace(args[0]) == "":
		return "", usage("give the statement to answer as the argument, or with -f FILE")
	}
	return args[0], nil
}

func (e *env) explainSQL(ctx context.Context, w *service.Project, stmt string, opts service.SQLOptions, format string) error {
	st, x, err := w.ExplainSQL(ctx, stmt, opts)
	if err != nil {
		return e.sqlError(stmt, err)
	}
	q, err := json.Marshal(st.Query)
	if err != nil {
		return err
	}
	cols, err := json.Marshal(st.Columns)
	if err != nil {
		return err
	}
	return e.printSQLExplain(q, cols, x, format)
}

// printSQLExplain writes the metric query a statement becomes (as JSON),
// its columns and the explanation.
func (e *env) printSQLExplain(query, columns json.RawMessage, x *service.Explanation, format string) error {
	if format == "json" {
		return writeJSON(e.stdout, map[string]any{"query": query, "columns": columns, "explain": x})
	}
	var q bytes.Buffer
	if err := json.Compact(&q, query); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "query: %s\n\n%s", q.Bytes(), x.Text())
	return nil
}

// sqlError prints a statement's error with its line, column and a caret.
func (e *env) sqlError(stmt string, err error) error {
	var se *sqlfront.Error
	if errors.As(err, &se) {
		fmt.Fprintf(e.stderr, "strata: %s\n%s", se.Error(), se.Caret(stmt))
		return &exitError{code: ExitFail, silent: true}
	}
	return fail("%v", err)
}

// serveMySQL starts the MySQL-protocol listener beside the DataAPI, with
// the same keys: a client logs in with a key's name and its token, and its
// queries are scoped like the key's requests. Without keys it is open.
func (e *env) serveMySQL(w *service.Project, addr string, limits api.Options) (func(), error) {
	keys, _ := api.KeysFrom(w.Project)
	if token := os.Getenv("STRATA_API_TOKEN"); token != "" {
		keys = append(keys, api.Key{Name: "token", Token: token})
	}
	b := api.NewMySQLBackend(w, keys)
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	opts := mysqlwire.Options{QueryTimeout: limits.Timeout, MaxConcurrent: limits.MaxConcurrent,
		Logger: slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("component", "mysql")}
	// Configured keys close the listener even when none could be read.
	if len(w.Project.API.Keys) > 0 || len(keys) > 0 {
		opts.Password = b.Password
	}
	l, err := mysqlwire.Listen(addr, b, opts)
	if err != nil {
		return nil, fail("listen on %s: %v", addr, err)
	}
	log.Info("serving the MySQL protocol", "addr", l.Addr().String(), "database", w.Project.Name, "keys", len(keys), "auth", opts.Password != nil)
	return func() { _ = l.Close() }, nil
}
