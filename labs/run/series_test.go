package run_test

import (
	"testing"

	"github.com/netlab/netlab/labs"
	"github.com/netlab/netlab/labs/run"
)

// TestTeachingSeriesCanFail runs every lab of the teaching series with
// all its links cut (every frame lost, from the start and after each
// impair step): each must fail, so that its expectations check what the
// traffic did and not only that the steps ran. (TestBuiltinLabsPass and
// cmd/netlab's TestRunTeachingSeries run them whole.)
func TestTeachingSeriesCanFail(t *testing.T) {
	for _, l := range labs.TeachingSeries() {
		t.Run(l.Name, func(t *testing.T) {
			lab, err := labs.Builtin(l.Name)
			if err != nil {
				t.Fatal(err)
			}
			for i := range lab.Links {
				lab.Links[i].Impair.Loss = 100
			}
			for _, s := range lab.Steps {
				if imp, ok := s.Action.(*labs.Impair); ok && imp.Loss != nil {
					*imp.Loss = 100
				}
			}
			rep, _ := runLab(t, lab)
			if rep.Passed {
				t.Fatalf("%s passed with every frame lost", l.Name)
			}
			failed := 0
			for _, s := range rep.Steps {
				if s.Status == run.Failed {
					failed++
				}
			}
			if failed == 0 {
				t.Fatalf("%s failed with no failed step: %s", l.Name, rep.Summary())
			}
			t.Logf("%s", rep.Summary())
		})
	}
}
