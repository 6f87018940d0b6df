package cli

import (
	"context"
	"log/slog"

	"github.com/spf13/cobra"

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
restart resumes and two processes never build one rollup at once.`,
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
