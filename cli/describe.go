package cli

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/service"
)

func (e *env) describeCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "describe [FACT…]",
		Short: "Show the logical wide tables: fields grouped by table, with type and join path",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			_, cat, err := e.load()
			if err != nil {
				return err
			}
			var wides []service.WideTable
			for _, w := range service.NewCatalog(cat).Wide {
				if len(args) == 0 || slices.Contains(args, w.Fact) {
					wides = append(wides, w)
				}
			}
			for _, a := range args {
				if cat.WideTable(a) == nil {
					return fail("no fact named %q", a)
				}
			}
			if format == "json" {
				return writeJSON(e.stdout, map[string]any{"wide_tables": wides})
			}
			for i, w := range wides {
				if i > 0 {
					fmt.Fprintln(e.stdout)
				}
				fmt.Fprintf(e.stdout, "wide table %s\n", w.Fact)
				tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
				for _, t := range w.Tables {
					via := "fact"
					if len(t.Path) > 0 {
						via = "via " + strings.Join(t.Path, ", ")
					}
					fmt.Fprintf(tw, "  %s\t\t(%s)\n", t.Alias, via)
					for _, f := range t.Fields {
						extra := ""
						if len(f.Grains) > 0 {
							extra = "grains: " + strings.Join(f.Grains, ",")
						}
						if f.Kind == "computed" {
							extra = strings.TrimSpace(extra + " computed")
						}
						fmt.Fprintf(tw, "    %s\t%s\t%s\n", f.Name, f.Type, extra)
					}
				}
				tw.Flush()
				fmt.Fprintf(e.stdout, "  metrics: %s\n", strings.Join(w.Metrics, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table | json")
	return cmd
}
