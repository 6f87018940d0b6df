package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/strata-metrics/strata/compiler/logical"
)

type describeField struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Kind     string   `json:"kind"` // column | computed
	Grains   []string `json:"grains,omitempty"`
	Computed string   `json:"expr,omitempty"`
}

type describeTable struct {
	Alias  string          `json:"alias"`
	Table  string          `json:"table"`
	Role   bool            `json:"role,omitempty"`
	Path   []string        `json:"join_path"`
	Fields []describeField `json:"fields"`
}

type describeWide struct {
	Fact    string          `json:"fact"`
	Tables  []describeTable `json:"tables"`
	Metrics []string        `json:"metrics"`
}

func describe(cat *logical.Catalog) []describeWide {
	var out []describeWide
	for _, w := range cat.Wide {
		dw := describeWide{Fact: w.Fact.Name, Metrics: []string{}}
		for _, in := range w.Instances {
			dt := describeTable{Alias: in.Alias, Table: in.Table.Name, Role: in.Role, Path: []string{}}
			for _, j := range in.Path {
				dt.Path = append(dt.Path, j.String())
			}
			for _, f := range w.Fields {
				if f.Alias != in.Alias {
					continue
				}
				df := describeField{Name: f.Name, Type: f.Type.String(), Kind: "column", Grains: f.Grains()}
				if f.Computed != nil {
					df.Kind = "computed"
					df.Computed = strings.TrimSpace(f.Dim.Expr.Text)
				}
				dt.Fields = append(dt.Fields, df)
			}
			dw.Tables = append(dw.Tables, dt)
		}
		for _, m := range cat.Project.Metrics {
			ms := cat.Measures(m.Name)
			if len(ms) > 0 && ms[0].Fact == w {
				dw.Metrics = append(dw.Metrics, m.Name)
			}
		}
		out = append(out, dw)
	}
	return out
}

func (e *env) describeCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "describe [FACT…]",
		Short: "Show the logical wide tables: fields grouped by table, with type and join path",
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return usage("--format must be table or json, not %q", format)
			}
			_, cat, err := e.load()
			if err != nil {
				return err
			}
			all := describe(cat)
			var wides []describeWide
			for _, w := range all {
				if len(args) == 0 || containsStr(args, w.Fact) {
					wides = append(wides, w)
				}
			}
			for _, a := range args {
				if cat.WideTable(a) == nil {
					return fail("no fact named %q", a)
				}
			}
			if format == "json" {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"wide_tables": wides})
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

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
