package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/netlab/netlab/labs"
)

// TestRunTeachingSeries runs every lab of the teaching series the way CI
// and a person do, with `netlab run`: each must pass, every step of it.
func TestRunTeachingSeries(t *testing.T) {
	for i, l := range labs.TeachingSeries() {
		t.Run(fmt.Sprintf("%d-%s", i+1, l.Name), func(t *testing.T) {
			lab, err := labs.Builtin(l.Name)
			if err != nil {
				t.Fatal(err)
			}
			code, out, errs := runCLI(t, "run", "--json", l.Name)
			if code != exitOK {
				t.Fatalf("netlab run %s: exit %d\n%s%s", l.Name, code, out, errs)
			}
			var rep struct {
				Format string `json:"format"`
				Passed bool   `json:"passed"`
				Steps  []struct {
					Name   string `json:"name"`
					Status string `json:"status"`
				} `json:"steps"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if !rep.Passed || len(rep.Steps) != len(lab.Steps) {
				t.Fatalf("passed %v, %d steps of %d\n%s", rep.Passed, len(rep.Steps), len(lab.Steps), out)
			}
			for j, s := range rep.Steps {
				if s.Status != "passed" {
					t.Errorf("step %d %s: %s", j+1, s.Name, s.Status)
				}
			}
		})
	}
}

func TestLabsSeries(t *testing.T) {
	series := labs.TeachingSeries()
	code, out, _ := runCLI(t, "labs", "series")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != exitOK || len(lines) != len(series) {
		t.Fatalf("labs series: exit %d\n%s", code, out)
	}
	for i, l := range series {
		if f := strings.Fields(lines[i]); len(f) < 3 || f[0] != fmt.Sprintf("%d.", i+1) || f[1] != l.Name || !strings.HasSuffix(lines[i], "  "+l.Topic) {
			t.Errorf("line %d = %q, want %d. %s and its topic", i+1, lines[i], i+1, l.Name)
		}
	}
	// docs/teaching.md shows the list as the command prints it.
	page, err := os.ReadFile("../../docs/teaching.md")
	if err != nil || !strings.Contains(string(page), "$ netlab labs series\n"+out+"```") {
		t.Errorf("docs/teaching.md does not show the output of netlab labs series (%v):\n%s", err, out)
	}
	code, out, _ = runCLI(t, "labs", "series", "--json")
	var doc struct {
		Format string `json:"format"`
		Series []struct {
			Number int    `json:"number"`
			Name   string `json:"name"`
		} `json:"series"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != exitOK || err != nil || doc.Format != seriesFormat || len(doc.Series) != len(series) || doc.Series[7].Number != 8 {
		t.Errorf("labs series --json: exit %d, %v\n%s", code, err, out)
	}
}
