package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/model"
)

func (e *env) validateCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the project's model files; exit 0 if valid, 1 if not",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usage("--format must be text or json, not %q", format)
			}
			p, cat, diags, err := e.loadDiags()
			if err != nil {
				return err
			}
			olapDiags(p, cat, &diags)
			if diags == nil {
				diags = model.Diagnostics{}
			}
			if format == "json" {
				out := struct {
					Valid       bool              `json:"valid"`
					Diagnostics model.Diagnostics `json:"diagnostics"`
				}{!diags.HasErrors(), diags}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(out); err != nil {
					return fail("%v", err)
				}
			} else if len(diags) > 0 {
				fmt.Fprint(e.stdout, diags.Format(p.Sources, 0))
			}
			if diags.HasErrors() {
				return &exitError{code: ExitFail, msg: plural(len(diags), "problem"), silent: format == "json"}
			}
			if format == "text" {
				fmt.Fprintf(e.stdout, "ok: %s — %d tables, %d relationships, %d wide tables, %d metrics, %d rollups, %d tags\n",
					p.Name, len(p.Tables), len(p.Relationships), len(cat.Wide), len(p.Metrics), len(p.Rollups), len(p.Tags))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text | json")
	return cmd
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
