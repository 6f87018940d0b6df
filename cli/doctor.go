package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/service"
)

func init() {
	extraCommands = append(extraCommands, (*env).doctorCmd)
}

func (e *env) doctorCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the engine: connection, version, privileges, source tables and their columns, time zones",
		Long: "Check that the project's engine can serve it. Every problem is listed with a fix; " +
			"the exit code is 1 when there is any.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			_, cat, err := e.load()
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			checks := service.Doctor(ctx, cat)
			problems := 0
			for _, c := range checks {
				if !c.OK {
					problems++
				}
			}
			if format == "json" {
				if err := writeJSON(e.stdout, map[string]any{"checks": checks, "problems": problems}); err != nil {
					return err
				}
			} else {
				for _, c := range checks {
					mark := "ok     "
					if !c.OK {
						mark = "PROBLEM"
					}
					fmt.Fprintf(e.stdout, "%s  %-24s %s\n", mark, c.Name, c.Detail)
					if c.Fix != "" {
						fmt.Fprintf(e.stdout, "         %-24s fix: %s\n", "", c.Fix)
					}
				}
				if problems == 0 {
					fmt.Fprintln(e.stdout, "no problems")
				}
			}
			if problems > 0 {
				return &exitError{code: ExitFail, msg: fmt.Sprintf("%d problem(s)", problems)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output: table | json")
	return cmd
}
