package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).refreshCmd, (*env).statusCmd)
}

func (e *env) refreshCmd() *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "refresh [ROLLUP|TAG…]",
		Short: "Build rollups and tags (all, or the named ones); a failed build keeps the previous version serving",
		Long: `Build rollups and tags (all, or the named ones); a failed build keeps the
previous version serving. Each rollup is built under its lease in the
warehouse, as the scheduler's builds are: while another process builds it,
refresh says so and waits for that build to end, then builds.
While strata serve runs, the server does the refresh; this shows its progress
and prints its report.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withRemote(func(ctx context.Context, r *remote) error {
				// The server's progress drives the same bar and lease
				// messages as a local refresh.
				var bar *progressbar.ProgressBar
				rep, err := r.refresh(ctx, args, func(ev api.RefreshEvent) {
					switch ev.Event {
					case "start":
						bar = e.refreshBar(ev.Total, quiet)
					case "built":
						if bar != nil {
							_ = bar.Add(1)
						}
					case "wait":
						if ev.Until != nil {
							e.leaseWait(ev.Name, ev.Holder, *ev.Until)
						}
					}
				})
				if bar != nil {
					_ = bar.Finish()
				}
				if err != nil {
					return remoteFail(err)
				}
				return e.printRefresh(rep)
			}, func(ctx context.Context, w *service.Project) error {
				return e.refresh(ctx, w, args, quiet)
			})
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress bar")
	return cmd
}

func (e *env) refresh(ctx context.Context, w *service.Project, args []string, quiet bool) error {
	n := len(args)
	if n == 0 {
		n = len(w.Project.Rollups)
	}
	bar := e.refreshBar(n, quiet)
	ctx = materializer.WithLeaseWait(ctx, e.leaseWait)
	rep, err := w.RefreshNamed(ctx, args, func(r materializer.RefreshResult) {
		if bar != nil {
			_ = bar.Add(1)
		}
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return fail("%v", err)
	}
	return e.printRefresh(rep)
}

// refreshBar is the progress bar of a refresh of n rollups, drawn on a
// terminal only; nil otherwise.
func (e *env) refreshBar(n int, quiet bool) *progressbar.ProgressBar {
	if quiet || !isTerminal(e.stderr) {
		return nil
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription("building rollups"),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
}

// leaseWait says that a build waits for another process's.
func (e *env) leaseWait(rollup, holder string, until time.Time) {
	fmt.Fprintf(e.stderr, "strata: %s is being built by %s (its lease runs to %s); waiting for that build to end\n",
		rollup, holder, until.Local().Format(time.DateTime))
}

func (e *env) statusCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each rollup's state: built, fresh, rows, last error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			return e.withRemote(func(ctx context.Context, r *remote) error {
				st, err := r.status(ctx)
				if err != nil {
					return remoteFail(err)
				}
				return e.printStatus(st, format)
			}, func(ctx context.Context, w *service.Project) error {
				st, err := w.Status(ctx)
				if err != nil {
					return fail("%v", err)
				}
				tags, err := w.TagStatus(ctx)
				if err != nil {
					return fail("%v", err)
				}
				return e.printStatus(&statusReport{Rollups: st, Tags: tags, Sources: w.BrokenSources()}, format)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output: table | json")
	return cmd
}

// printStatus writes the rollups' and tags' states and the broken sources.
func (e *env) printStatus(rep *statusReport, format string) error {
	st, broken := rep.Rollups, rep.Sources
	if format == "json" {
		return writeJSON(e.stdout, map[string]any{"rollups": st, "tags": rep.Tags, "sources": broken})
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLLUP\tSTATE\tROWS\tPARTS\tBUILT\tBUILT_FROM\tWATERMARK\tSTALENESS\tSLA\tNEXT RUN\tTOOK\tERROR")
	for _, s := range st {
		built, next, sla, from := "-", "-", "-", "-"
		if s.BuiltFrom != "" {
			from = s.BuiltFrom // the finer rollup the version was read from (the lattice)
		} else if s.Table != "" {
			from = "raw"
		}
		if !s.BuiltAt.IsZero() {
			built = time.Since(s.BuiltAt).Round(time.Second).String() + " ago"
		}
		if !s.NextRun.IsZero() {
			next = s.NextRun.Local().Format(time.DateTime)
		}
		if s.FreshnessSLA != "" {
			sla = s.FreshnessSLA
		}
		stale := (time.Duration(s.StalenessSeconds) * time.Second).String()
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.0fms\t%s\n", s.Name, s.State, s.Rows, s.Partitions, built, from, s.Watermark, stale, sla, next, s.DurationMS, s.LastError)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeTagStatus(e.stdout, rep.Tags); err != nil {
		return err
	}
	for _, b := range broken {
		fmt.Fprintf(e.stdout, "source problem: %s\n", b)
	}
	return nil
}
