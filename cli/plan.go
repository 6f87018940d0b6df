package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/materializer"
	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).planCmd)
}

// ExitChanges is plan's exit code when a refresh would change something.
const ExitChanges = 2

func (e *env) planCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what a refresh would build, rebuild (and why) and drop; exit 2 when anything",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			return e.withRemote(func(ctx context.Context, r *remote) error {
				steps, err := r.plan(ctx)
				if err != nil {
					return remoteFail(err)
				}
				return e.printPlan(steps, format)
			}, func(ctx context.Context, w *service.Project) error {
				steps, err := w.Materializer().Plan(ctx)
				if err != nil {
					return fail("%v", err)
				}
				return e.printPlan(steps, format)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output: table | json")
	return cmd
}

// printPlan writes the plan's steps; it fails with ExitChanges when any.
func (e *env) printPlan(steps []materializer.PlanStep, format string) error {
	if format == "json" {
		if err := writeJSON(e.stdout, map[string]any{"steps": steps}); err != nil {
			return err
		}
	} else {
		counts := map[string]int{}
		sign := map[string]string{"build": "+", "rebuild": "~", "refresh": "↻", "drop": "-"}
		for _, s := range steps {
			counts[s.Action]++
			if s.From != "" {
				// Read from a finer rollup (the lattice), as refresh reports it.
				fmt.Fprintf(e.stdout, "%s %-7s %s  from %s\n", sign[s.Action], s.Action, s.Rollup, s.From)
			} else {
				fmt.Fprintf(e.stdout, "%s %-7s %s\n", sign[s.Action], s.Action, s.Rollup)
			}
			for _, r := range s.Reasons {
				fmt.Fprintf(e.stdout, "      %s\n", r)
			}
		}
		if len(steps) == 0 {
			fmt.Fprintln(e.stdout, "no changes: every rollup is built from the current model and sources")
		} else {
			var parts []string
			for _, a := range []string{"build", "rebuild", "refresh", "drop"} {
				parts = append(parts, fmt.Sprintf("%d to %s", counts[a], a))
			}
			fmt.Fprintf(e.stdout, "plan: %s\n", strings.Join(parts, ", "))
		}
	}
	if len(steps) > 0 {
		return &exitError{code: ExitChanges, silent: true}
	}
	return nil
}
