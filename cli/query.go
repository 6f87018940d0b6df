package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/compiler"
	"github.com/strata-metrics/strata/compiler/plan"
	"github.com/strata-metrics/strata/compiler/sqlgen"
	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).queryCmd, (*env).compileCmd, (*env).explainCmd)
}

// queryFlags are the flags every query-shaped command shares.
type queryFlags struct {
	metrics, dims, order []string
	where, having        string
	limit, offset        int
	freshness            string
	noRollup             bool
	audience             string
	from                 string
	file                 string
}

func (f *queryFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVarP(&f.metrics, "metrics", "m", nil, "metrics, comma separated")
	fl.StringSliceVarP(&f.dims, "dimensions", "d", nil, "dimensions (time fields take a grain: transactions.txn_time.month)")
	fl.StringVarP(&f.where, "where", "w", "", "filter on fields (MySQL expression)")
	fl.StringVar(&f.having, "having", "", "filter on metrics (MySQL expression)")
	fl.StringSliceVarP(&f.order, "order", "o", nil, "order terms; -name for descending")
	fl.IntVarP(&f.limit, "limit", "l", 0, "at most this many rows")
	fl.IntVar(&f.offset, "offset", 0, "skip this many rows")
	fl.StringVar(&f.freshness, "freshness", "", "how stale a rollup may be (e.g. 1h); default: the project's")
	fl.BoolVar(&f.noRollup, "no-rollup", false, "answer from the raw tables, never a rollup")
	fl.StringVar(&f.audience, "audience", "", "only the facts of this audience's members (high_value AND NOT segment = 'staff')")
	fl.StringVar(&f.from, "from", "", "without metrics: the fact whose wide table the dimensions' values are listed from")
	fl.StringVarP(&f.file, "file", "f", "", "read the query as JSON from a file (- for stdin)")
}

func (e *env) query(f *queryFlags) (*plan.Query, error) {
	if f.file != "" {
		var data []byte
		var err error
		if f.file == "-" {
			data, err = readAll(e.stdin)
		} else {
			data, err = os.ReadFile(f.file)
		}
		if err != nil {
			return nil, usage("%v", err)
		}
		q, qerr := plan.DecodeQuery(data)
		if qerr != nil {
			return nil, fail("%v", qerr)
		}
		if f.noRollup {
			q.NoRollup = true
		}
		return q, nil
	}
	if len(f.metrics) == 0 && len(f.dims) == 0 {
		return nil, usage("give metrics with -m, dimensions to list the values of with -d, or a JSON query with -f")
	}
	return &plan.Query{Metrics: trimAll(f.metrics), Dimensions: trimAll(f.dims), Where: f.where, Having: f.having,
		Order: trimAll(f.order), Limit: f.limit, Offset: f.offset, Freshness: f.freshness, NoRollup: f.noRollup, Audience: f.audience, From: strings.TrimSpace(f.from)}, nil
}

func trimAll(s []string) []string {
	var out []string
	for _, x := range s {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// queryError prints a query error with a caret under the offending text.
func (e *env) queryError(q *plan.Query, err error) error {
	var qe *plan.Error
	if errors.As(err, &qe) {
		fmt.Fprintf(e.stderr, "strata: %s\n%s", qe.Error(), qe.Caret(q))
		return &exitError{code: ExitFail, silent: true}
	}
	return fail("%v", err)
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func (e *env) queryCmd() *cobra.Command {
	var f queryFlags
	var format string
	cmd := &cobra.Command{
		Use:   "query",
		Short: "Answer a metric query",
		Example: `  strata query -m txn_amount,active_customers -d customers.segment,transactions.txn_time.month \
    --where "channels.name IN ('mobile','web')" --order -txn_amount --limit 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			q, err := e.query(&f)
			if err != nil {
				return err
			}
			return e.withRemote(func(ctx context.Context, r *remote) error {
				res, err := r.query(ctx, q)
				if err != nil {
					return e.queryError(q, err)
				}
				return e.printResult(res, format)
			}, func(ctx context.Context, w *service.Project) error {
				res, err := w.Query(ctx, q)
				if err != nil {
					return e.queryError(q, err)
				}
				return e.printResult(res, format)
			})
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&format, "format", "table", "output: table | csv | json")
	return cmd
}

func (e *env) compileCmd() *cobra.Command {
	var f queryFlags
	cmd := &cobra.Command{
		Use:   "compile",
		Short: "Print the SQL a metric query compiles to; runs nothing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q, err := e.query(&f)
			if err != nil {
				return err
			}
			_, cat, err := e.load()
			if err != nil {
				return err
			}
			d, err := sqlgen.ForEngine(cat.Project.Engine.Type)
			if err != nil {
				return fail("%v", err)
			}
			c, err := compiler.Compile(cat, q, nil, d)
			if err != nil {
				return e.queryError(q, err)
			}
			fmt.Fprintln(e.stdout, c.SQL+";")
			return nil
		},
	}
	f.register(cmd)
	return cmd
}

func (e *env) explainCmd() *cobra.Command {
	var f queryFlags
	var format string
	cmd := &cobra.Command{
		Use:   "explain",
		Short: "Show how a metric query is answered: the plan, the source and the SQL",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			q, err := e.query(&f)
			if err != nil {
				return err
			}
			print := func(ex *service.Explanation, err error) error {
				if err != nil {
					return e.queryError(q, err)
				}
				if format == "json" {
					return writeJSON(e.stdout, ex)
				}
				fmt.Fprint(e.stdout, ex.Text())
				return nil
			}
			return e.withRemote(func(ctx context.Context, r *remote) error {
				return print(r.explain(ctx, q))
			}, func(ctx context.Context, w *service.Project) error {
				return print(w.Explain(ctx, q))
			})
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&format, "format", "text", "output: text | json")
	return cmd
}

// printResult writes a query's answer in the asked format; the summary line
// of the table and the warnings of the tags an audience read go to stderr.
func (e *env) printResult(res *service.Result, format string) error {
	e.staleWarnings(res.Meta.Tags) // the audience's tags: stale ones, unknown values
	switch format {
	case "json":
		return res.WriteJSON(e.stdout, true)
	case "csv":
		return res.WriteCSV(e.stdout)
	}
	if err := res.WriteTable(e.stdout); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "%d rows · served by %s · %.1f ms\n", len(res.Rows), res.Meta.ServedBy, res.Meta.TookMS)
	return nil
}

func checkFormat(got string, allowed ...string) error {
	for _, a := range allowed {
		if got == a {
			return nil
		}
	}
	return usage("--format must be one of %s, not %q", strings.Join(allowed, ", "), got)
}
