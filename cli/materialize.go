package cli

import (
	"context"
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/api"
	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/materializer/schedule"
	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).materializeCmd)
}

func (e *env) materializeCmd() *cobra.Command {
	var builds int
	cmd := &cobra.Command{
		Use:   "materialize",
		Short: "Keep the rollups fresh on their cron and freshness SLA, without serving",
		Long: `Run the scheduler alone (strata serve runs it too): each rollup is rebuilt on
its refresh.cron and early enough that a source change never waits longer than
its refresh.freshness, judged by its measured build durations. Failed builds
retry with backoff; state and build leases live in the warehouse (_strata), so a
restart resumes and two processes never build one rollup at once.
On the embedded DuckDB engine this process owns the warehouse file: it
answers the CLI on a loopback port recorded in .strata/serve.json (to the
owner token and api.keys only), so strata query, status, refresh, plan and
the others work while it runs, as beside strata serve.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := e.ownedElsewhere("strata materialize", "its scheduler keeps the rollups fresh when started with --builds 1 or more; or stop it and run this again"); err != nil {
				return err
			}
			return e.withProject(func(ctx context.Context, w *service.Project) error {
				log := slog.New(slog.NewTextHandler(e.stderr, nil))
				s, err := e.scheduler(ctx, w, builds, log, nil)
				if err != nil {
					return err
				}
				log.Info("materializing", "project", w.Project.Name, "rollups", len(w.Materializer().Rollups), "builds", builds)
				if w.Project.Engine.Remote() {
					return s.Run(ctx)
				}
				// The embedded warehouse is this process's alone: answer
				// the CLI's commands on a loopback port, as serve does.
				stop, err := e.answerCLI(ctx, w)
				if err != nil {
					return err
				}
				defer stop()
				return s.Run(ctx)
			})
		},
	}
	cmd.Flags().IntVar(&builds, "builds", 1, "rollup builds at once")
	return cmd
}

// scheduler wires the project's scheduler: each finished build reloads the
// readers' state, and every event is logged.
func (e *env) scheduler(ctx context.Context, w *service.Project, builds int, log *slog.Logger, observe func(schedule.Event)) (*schedule.Scheduler, error) {
	s, err := w.Materializer().NewScheduler(ctx, materializer.SchedulerOptions{
		MaxConcurrent: builds,
		Refresh: func(ctx context.Context, name string) error {
			res, err := w.Refresh(ctx, []string{name}, nil)
			if err != nil {
				return err
			}
			if len(res) == 1 && res[0].Err != nil {
				return res[0].Err
			}
			return nil
		},
		OnEvent: func(ev schedule.Event) {
			if observe != nil {
				observe(ev)
			}
			args := []any{"rollup", ev.Job}
			if ev.Duration > 0 {
				args = append(args, "duration", ev.Duration.Round(1e6))
			}
			if ev.HeldBy != "" {
				args = append(args, "held_by", ev.HeldBy)
			}
			if ev.Err != nil {
				args = append(args, "error", ev.Err.Error())
				log.Warn(ev.Kind, args...)
				return
			}
			log.Info(ev.Kind, args...)
		},
	})
	if err != nil {
		return nil, fail("%v", err)
	}
	return s, nil
}

// answerCLI serves the DataAPI on a loopback port for the CLI, records it
// in serve.json, and returns the shutdown: the CLI's commands then ask this
// process instead of failing on the warehouse it holds.
func (e *env) answerCLI(ctx context.Context, w *service.Project) (func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fail("listen on a loopback port: %v", err)
	}
	owner, removeInfo, err := e.recordServe(ctx, w, ln.Addr().String(), "materialize")
	if err != nil {
		ln.Close()
		return nil, err
	}
	opts := api.DefaultOptions
	opts.OwnerToken = owner
	so := defaultServeOptions
	so.forCLI = true
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = e.serveOn(sctx, w, ln, opts, so)
	}()
	return func() {
		cancel()
		<-done
		removeInfo()
	}, nil
}
